import { homeOpened, type HomeOpenedArgs, requestAccessClicked } from '../../../../../src/slack/inbound/home/opened';
import type { ButtonArgs } from '../../../../../src/slack/inbound/actions/decide';
import { REQUEST_MODAL } from '../../../../../src/slack/render/request-modal';
import { listenerWorld, SIGNED_USER } from '../listener-fakes';

const opened = (tab: 'home' | 'messages') =>
  ({ event: { type: 'app_home_opened', user: SIGNED_USER, channel: 'D0SIGNED', tab, event_ts: '1.1' } }) as unknown as HomeOpenedArgs;

describe('App Home', () => {
  test('opening the Home tab publishes the signed user’s home; the Messages tab publishes nothing', async () => {
    const world = listenerWorld();
    await homeOpened(world.deps)(opened('messages'));
    expect(world.log).toEqual([]);
    await homeOpened(world.deps)(opened('home'));
    expect(world.useCases.publishHome).toHaveBeenCalledWith(SIGNED_USER);
  });

  test('a home that cannot be published is logged, not thrown', async () => {
    const world = listenerWorld();
    world.useCases.publishHome.mockRejectedValueOnce(new Error('not_enabled'));
    await expect(homeOpened(world.deps)(opened('home'))).resolves.toBeUndefined();
  });

  test('Request access acks, then opens the request modal with the click’s trigger; its outcome goes by DM', async () => {
    const world = listenerWorld();
    const body = { user: { id: SIGNED_USER }, trigger_id: 'trigger-1', container: { type: 'view' } };
    await requestAccessClicked(world.deps)({ ack: world.ack, body, client: world.webClient } as unknown as ButtonArgs);
    expect(world.log).toEqual(['ack', 'views.open']);
    const [{ trigger_id, view }] = world.client.views.open.mock.calls[0] as [
      { trigger_id: string; view: { callback_id: string; private_metadata: string } },
    ];
    expect(trigger_id).toBe('trigger-1');
    expect(view.callback_id).toBe(REQUEST_MODAL);
    expect(JSON.parse(view.private_metadata)).toEqual({});
  });
});
