import { UserError } from '../../../../../src/domain/errors';
import { type ExtendSubmitArgs, extendSubmitted } from '../../../../../src/slack/inbound/views/extend';
import { FORGED_FORM } from '../../../../../src/slack/inbound/views/metadata';
import { EXTEND_FIELDS } from '../../../../../src/slack/render/extend-modal';
import { listenerWorld, SIGNED_USER } from '../listener-fakes';

const METADATA = JSON.stringify({ requestId: 7, resourceId: 'orders-db', levelId: 'read-only' });

/** The Extend modal submitted by SIGNED_USER with these fields and this private_metadata. */
function submission(world: ReturnType<typeof listenerWorld>, privateMetadata: string, duration = '30m', reason = 'the migration runs on') {
  const input = (value: string) => ({ value: { type: 'plain_text_input', value } });
  const values = { [EXTEND_FIELDS.duration]: input(duration), [EXTEND_FIELDS.reason]: input(reason) };
  const view = { private_metadata: privateMetadata, state: { values } };
  return { ack: world.ack, view, body: { user: { id: SIGNED_USER } }, client: world.webClient } as unknown as ExtendSubmitArgs;
}

describe('the Extend modal submitted', () => {
  test('acks first, then asks for the extension of the grant its metadata names, as the signed user', async () => {
    const world = listenerWorld();
    await extendSubmitted(world.deps)(submission(world, METADATA));
    expect(world.log).toEqual(['ack', 'submitExtension', 'conversations.open', 'chat.postMessage']);
    expect(world.useCases.submitExtension).toHaveBeenCalledWith(SIGNED_USER, {
      requestId: 7,
      duration: '30m',
      reason: 'the migration runs on',
    });
    expect(world.client.chat.postMessage).toHaveBeenCalledWith(
      expect.objectContaining({ text: expect.stringMatching(/^Request #8, extending #7/) }),
    );
  });

  test.each([
    ['a duration that is not one', 'soon', 'the migration runs on', EXTEND_FIELDS.duration, /is not a duration/],
    ['a duration longer than the level allows', '2h', 'the migration runs on', EXTEND_FIELDS.duration, /at most 1h/],
    ['no reason', '30m', '  ', EXTEND_FIELDS.reason, /reason is required/],
  ])('with %s, shows the problem next to its field and asks for nothing', async (_case, duration, reason, field, message) => {
    const world = listenerWorld();
    await extendSubmitted(world.deps)(submission(world, METADATA, duration, reason));
    expect(world.log).toEqual(['ack']);
    expect(world.ack).toHaveBeenCalledWith({ response_action: 'errors', errors: { [field]: expect.stringMatching(message) } });
  });

  test('a grant whose catalog entry is gone is said under the reason', async () => {
    const world = listenerWorld();
    await extendSubmitted(world.deps)(submission(world, JSON.stringify({ requestId: 7, resourceId: 'gone-db', levelId: 'read-only' })));
    expect(world.ack).toHaveBeenCalledWith({
      response_action: 'errors',
      errors: { [EXTEND_FIELDS.reason]: expect.stringMatching(/no resource/) },
    });
  });

  test('a refusal (not the requester, the grant ended) is told to the one who submitted it', async () => {
    const world = listenerWorld();
    world.useCases.submitExtension.mockRejectedValueOnce(new UserError('NOT_AUTHORIZED', 'Only the requester of #7 can extend it.'));
    await extendSubmitted(world.deps)(submission(world, METADATA));
    expect(world.client.chat.postMessage).toHaveBeenCalledWith(
      expect.objectContaining({ text: ':warning: Only the requester of #7 can extend it.' }),
    );
  });

  test.each([
    ['text that is not JSON', 'not json'],
    ['a request id that is not a number', '{"requestId":"7","resourceId":"orders-db","levelId":"read-only"}'],
    ['no catalog entry', '{"requestId":7}'],
    ['a field prod-access never writes', '{"requestId":7,"resourceId":"orders-db","levelId":"read-only","requesterId":"U0SOMEONE"}'],
    [
      'a response_url of another host',
      '{"requestId":7,"resourceId":"orders-db","levelId":"read-only","responseUrl":"https://evil.example/x"}',
    ],
  ])('with metadata prod-access did not write (%s), is refused in the modal and nothing is asked for', async (_case, privateMetadata) => {
    const world = listenerWorld();
    await extendSubmitted(world.deps)(submission(world, privateMetadata));
    expect(world.log).toEqual(['ack']);
    expect(world.ack).toHaveBeenCalledWith({ response_action: 'errors', errors: { [EXTEND_FIELDS.reason]: FORGED_FORM } });
  });
});
