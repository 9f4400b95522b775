import { UserError } from '../../../../../src/domain/errors';
import type { ButtonArgs } from '../../../../../src/slack/inbound/actions/decide';
import { endGrantClicked, extendGrantClicked } from '../../../../../src/slack/inbound/actions/grant';
import { EXTEND_FIELDS, EXTEND_MODAL } from '../../../../../src/slack/render/extend-modal';
import { listenerWorld, SIGNED_USER } from '../listener-fakes';

const RESPONSE_URL = 'https://hooks.slack.com/actions/T0ABC123/1234567890123/AbCdEf123456';

/** A click on a grant's button, signed for SIGNED_USER: in a message (the warning DM), or in App Home (a view, no response_url). */
function click(world: ReturnType<typeof listenerWorld>, value: string, where: 'message' | 'home' = 'message'): ButtonArgs {
  const body =
    where === 'message'
      ? { user: { id: SIGNED_USER }, trigger_id: 'trigger-1', container: { type: 'message' }, response_url: RESPONSE_URL }
      : { user: { id: SIGNED_USER }, trigger_id: 'trigger-1', container: { type: 'view', view_id: 'V0HOME' } };
  return { ack: world.ack, action: { value }, body, respond: world.respond, client: world.webClient } as unknown as ButtonArgs;
}

type OpenedView = {
  view: { callback_id?: string; private_metadata?: string; blocks: { block_id?: string; element?: { initial_value?: string } }[] };
};

describe("I'm done", () => {
  test('acks first, then revokes early as the signed user, answered under the message', async () => {
    const world = listenerWorld();
    await endGrantClicked(world.deps)(click(world, '42'));
    expect(world.log).toEqual(['ack', 'requestEarlyRevoke', 'respond']);
    expect(world.useCases.requestEarlyRevoke).toHaveBeenCalledWith(42, SIGNED_USER);
    expect(world.respond).toHaveBeenCalledWith(expect.objectContaining({ response_type: 'ephemeral', replace_original: false }));
  });

  test('from App Home, where there is no response_url, the answer comes by DM', async () => {
    const world = listenerWorld();
    world.useCases.requestEarlyRevoke.mockRejectedValueOnce(
      new UserError('NOT_AUTHORIZED', 'Only the requester or an approver of this access can revoke it.'),
    );
    await endGrantClicked(world.deps)(click(world, '42', 'home'));
    // (The refusing use-case replaced its logging fake.)
    expect(world.log).toEqual(['ack', 'conversations.open', 'chat.postMessage']);
    expect(world.useCases.requestEarlyRevoke).toHaveBeenCalledWith(42, SIGNED_USER);
    expect(world.client.chat.postMessage).toHaveBeenCalledWith(
      expect.objectContaining({ text: ':warning: Only the requester or an approver of this access can revoke it.' }),
    );
  });

  test('a button value that is not a request id ends nothing', async () => {
    const world = listenerWorld();
    await endGrantClicked(world.deps)(click(world, '{"requestId":42}'));
    expect(world.log).toEqual(['ack', 'respond']);
  });
});

describe('Extend', () => {
  test('acks, opens a modal with the click’s trigger before asking anything else, then fills it in for the grant', async () => {
    const world = listenerWorld();
    await extendGrantClicked(world.deps)(click(world, '7'));
    expect(world.log).toEqual(['ack', 'views.open', 'extensionForm', 'views.update']);
    expect(world.client.views.open).toHaveBeenCalledWith(expect.objectContaining({ trigger_id: 'trigger-1' }));
    expect(world.useCases.extensionForm).toHaveBeenCalledWith(7, SIGNED_USER);
    const [{ view_id, hash, view }] = world.client.views.update.mock.calls[0] as [{ view_id: string; hash: string } & OpenedView];
    expect([view_id, hash]).toEqual(['V0MODAL', 'hash-1']);
    expect(view.callback_id).toBe(EXTEND_MODAL);
    // Prefilled with the level's default duration (30m in the fake catalog).
    expect(view.blocks.find((b) => b.block_id === EXTEND_FIELDS.duration)?.element?.initial_value).toBe('30m');
    expect(JSON.parse(view.private_metadata!)).toEqual({
      requestId: 7,
      resourceId: 'orders-db',
      levelId: 'read-only',
      responseUrl: RESPONSE_URL,
    });
  });

  test('someone who may not extend the grant is told so in the modal, which has nothing to submit', async () => {
    const world = listenerWorld();
    world.useCases.extensionForm.mockRejectedValueOnce(new UserError('NOT_AUTHORIZED', 'Only the requester of #7 can extend it.'));
    await extendGrantClicked(world.deps)(click(world, '7', 'home'));
    const [{ view }] = world.client.views.update.mock.calls[0] as [OpenedView & { view: { submit?: unknown } }];
    expect(view.callback_id).toBeUndefined();
    expect(view.submit).toBeUndefined();
    expect(JSON.stringify(view.blocks)).toContain('Only the requester of #7 can extend it.');
  });

  test('a modal Slack refuses to open (the trigger expired) is answered by DM from App Home', async () => {
    const world = listenerWorld();
    world.client.views.open.mockRejectedValueOnce(new Error('expired_trigger_id'));
    await extendGrantClicked(world.deps)(click(world, '7', 'home'));
    expect(world.log).toEqual(['ack', 'conversations.open', 'chat.postMessage']);
    expect(world.useCases.extensionForm).not.toHaveBeenCalled();
  });
});
