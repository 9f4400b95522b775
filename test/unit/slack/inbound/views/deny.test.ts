import { UserError } from '../../../../../src/domain/errors';
import { type DenySubmitArgs, denySubmitted } from '../../../../../src/slack/inbound/views/deny';
import { FORGED_FORM } from '../../../../../src/slack/inbound/views/metadata';
import { DENY_COMMENT_FIELD } from '../../../../../src/slack/render/deny-modal';
import { listenerWorld, SIGNED_USER } from '../listener-fakes';

/** The Deny modal submitted by SIGNED_USER with this comment and this private_metadata. */
function submission(world: ReturnType<typeof listenerWorld>, privateMetadata: string, comment = 'not during the freeze'): DenySubmitArgs {
  const values = { [DENY_COMMENT_FIELD]: { value: { type: 'plain_text_input', value: comment } } };
  const view = { private_metadata: privateMetadata, state: { values } };
  return { ack: world.ack, view, body: { user: { id: SIGNED_USER } }, client: world.webClient } as unknown as DenySubmitArgs;
}

describe('the Deny modal submitted', () => {
  test('acks first, then denies the request its metadata names, as the signed user', async () => {
    const world = listenerWorld();
    await denySubmitted(world.deps)(submission(world, '{"requestId":42}'));
    expect(world.log).toEqual(['ack', 'denyRequest', 'conversations.open', 'chat.postMessage']);
    expect(world.useCases.denyRequest).toHaveBeenCalledWith(42, SIGNED_USER, 'not during the freeze');
    expect(world.client.chat.postMessage).toHaveBeenCalledWith(expect.objectContaining({ text: 'You denied #42.' }));
  });

  test('a refusal is told to the one who submitted it', async () => {
    const world = listenerWorld();
    world.useCases.denyRequest.mockRejectedValueOnce(new UserError('NOT_AUTHORIZED', 'You are not an approver of this level.'));
    await denySubmitted(world.deps)(submission(world, '{"requestId":42}'));
    expect(world.client.chat.postMessage).toHaveBeenCalledWith(
      expect.objectContaining({ text: ':warning: You are not an approver of this level.' }),
    );
  });

  test.each([
    ['text that is not JSON', 'not json'],
    ['a request id that is not a number', '{"requestId":"42"}'],
    ['a field prod-access never writes', '{"requestId":42,"userId":"U0SOMEONE"}'],
    ['a response_url of another host', '{"requestId":42,"responseUrl":"https://evil.example/x"}'],
  ])('with metadata prod-access did not write (%s), is refused in the modal and nothing is denied', async (_case, privateMetadata) => {
    const world = listenerWorld();
    await denySubmitted(world.deps)(submission(world, privateMetadata));
    expect(world.log).toEqual(['ack']);
    expect(world.ack).toHaveBeenCalledWith({ response_action: 'errors', errors: { [DENY_COMMENT_FIELD]: FORGED_FORM } });
  });
});
