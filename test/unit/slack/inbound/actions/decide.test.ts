import { approveClicked, type ButtonArgs, denyClicked } from '../../../../../src/slack/inbound/actions/decide';
import { DENY_MODAL } from '../../../../../src/slack/render/deny-modal';
import { listenerWorld, SIGNED_USER } from '../listener-fakes';

const RESPONSE_URL = 'https://hooks.slack.com/actions/T0ABC123/1234567890123/AbCdEf123456';

/** A click on a button of the approval message, signed for SIGNED_USER. */
function click(world: ReturnType<typeof listenerWorld>, value: string): ButtonArgs {
  const body = { user: { id: SIGNED_USER }, trigger_id: 'trigger-1', response_url: RESPONSE_URL };
  return { ack: world.ack, action: { value }, body, respond: world.respond, client: world.webClient } as unknown as ButtonArgs;
}

describe('Approve', () => {
  test('acks first, then approves as the signed user; the button only names the request', async () => {
    const world = listenerWorld();
    await approveClicked(world.deps)(click(world, '42'));
    expect(world.log).toEqual(['ack', 'approveRequest', 'respond']);
    expect(world.useCases.approveRequest).toHaveBeenCalledWith(42, SIGNED_USER);
    expect(world.respond).toHaveBeenCalledWith({
      response_type: 'ephemeral',
      replace_original: false,
      text: 'You approved #42; access is being granted.',
    });
  });

  test('a click in App Home (no response_url) is answered by DM', async () => {
    const world = listenerWorld();
    const args = click(world, '42');
    delete (args.body as { response_url?: string }).response_url;
    await approveClicked(world.deps)(args);
    expect(world.log).toEqual(['ack', 'approveRequest', 'conversations.open', 'chat.postMessage']);
    expect(world.client.chat.postMessage).toHaveBeenCalledWith(
      expect.objectContaining({ channel: 'D0SIGNED', text: 'You approved #42; access is being granted.' }),
    );
  });

  test.each(['U0SOMEONE', '42 U0SOMEONE', '{"requestId":42,"approver":"U0SOMEONE"}'])(
    'a button value that is not a request id (%s) approves nothing',
    async (value) => {
      const world = listenerWorld();
      await approveClicked(world.deps)(click(world, value));
      expect(world.log).toEqual(['ack', 'respond']);
      expect(world.respond).toHaveBeenCalledWith(expect.objectContaining({ text: expect.stringContaining('Something went wrong') }));
    },
  );
});

describe('Deny', () => {
  test('acks, then opens the Deny modal with the click’s trigger before asking anything else', async () => {
    const world = listenerWorld();
    await denyClicked(world.deps)(click(world, '42'));
    expect(world.log).toEqual(['ack', 'views.open']);
    const [{ trigger_id, view }] = world.client.views.open.mock.calls[0] as [
      { trigger_id: string; view: { callback_id: string; private_metadata: string } },
    ];
    expect(trigger_id).toBe('trigger-1');
    expect(view.callback_id).toBe(DENY_MODAL);
    // The modal names the request and where the outcome goes; who denies comes from the submission's signature.
    expect(JSON.parse(view.private_metadata)).toEqual({ requestId: 42, responseUrl: RESPONSE_URL });
  });

  test('a modal Slack refuses to open is answered under the message', async () => {
    const world = listenerWorld();
    world.client.views.open.mockRejectedValueOnce(new Error('expired_trigger_id'));
    await denyClicked(world.deps)(click(world, '42'));
    expect(world.respond).toHaveBeenCalledWith(expect.objectContaining({ response_type: 'ephemeral', replace_original: false }));
  });
});
