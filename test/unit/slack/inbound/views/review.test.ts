import { UserError } from '../../../../../src/domain/errors';
import { reviewClicked, type ButtonArgs } from '../../../../../src/slack/inbound/actions/decide';
import { FORGED_FORM } from '../../../../../src/slack/inbound/views/metadata';
import { type ReviewSubmitArgs, reviewSubmitted } from '../../../../../src/slack/inbound/views/review';
import { REVIEW_COMMENT_FIELD, REVIEW_MODAL } from '../../../../../src/slack/render/review-modal';
import { listenerWorld, SIGNED_USER } from '../listener-fakes';

const RESPONSE_URL = 'https://hooks.slack.com/actions/T0ABC123/1234567890123/AbCdEf123456';

/** The review modal submitted by SIGNED_USER with this comment and this private_metadata. */
function submission(world: ReturnType<typeof listenerWorld>, privateMetadata: string, comment = 'checked the queries'): ReviewSubmitArgs {
  const values = { [REVIEW_COMMENT_FIELD]: { value: { type: 'plain_text_input', value: comment } } };
  const view = { private_metadata: privateMetadata, state: { values } };
  return { ack: world.ack, view, body: { user: { id: SIGNED_USER } }, client: world.webClient } as unknown as ReviewSubmitArgs;
}

describe('Reviewed on a break-glass message', () => {
  test('acks, then opens the review modal with the click’s trigger before asking anything else', async () => {
    const world = listenerWorld();
    const body = { user: { id: SIGNED_USER }, trigger_id: 'trigger-1', response_url: RESPONSE_URL };
    await reviewClicked(world.deps)({
      ack: world.ack,
      action: { value: '9' },
      body,
      respond: world.respond,
      client: world.webClient,
    } as unknown as ButtonArgs);
    expect(world.log).toEqual(['ack', 'views.open']);
    const [{ trigger_id, view }] = world.client.views.open.mock.calls[0] as [
      { trigger_id: string; view: { callback_id: string; private_metadata: string } },
    ];
    expect(trigger_id).toBe('trigger-1');
    expect(view.callback_id).toBe(REVIEW_MODAL);
    expect(JSON.parse(view.private_metadata)).toEqual({ requestId: 9, responseUrl: RESPONSE_URL });
  });
});

describe('the review modal submitted', () => {
  test('acks first, then reviews the grant its metadata names, as the signed user', async () => {
    const world = listenerWorld();
    await reviewSubmitted(world.deps)(submission(world, '{"requestId":9}'));
    expect(world.log).toEqual(['ack', 'reviewBreakGlass', 'conversations.open', 'chat.postMessage']);
    expect(world.useCases.reviewBreakGlass).toHaveBeenCalledWith(9, SIGNED_USER, 'checked the queries');
    expect(world.client.chat.postMessage).toHaveBeenCalledWith(
      expect.objectContaining({ text: expect.stringMatching(/^You reviewed break-glass #9/) }),
    );
  });

  test('an empty comment is answered next to its field, and nothing is reviewed', async () => {
    const world = listenerWorld();
    await reviewSubmitted(world.deps)(submission(world, '{"requestId":9}', '   '));
    expect(world.log).toEqual(['ack']);
    expect(world.ack).toHaveBeenCalledWith({
      response_action: 'errors',
      errors: { [REVIEW_COMMENT_FIELD]: expect.stringMatching(/comment is required/) },
    });
  });

  test('a refusal is told to the one who submitted it', async () => {
    const world = listenerWorld();
    world.useCases.reviewBreakGlass.mockRejectedValueOnce(new UserError('SELF_APPROVAL', 'You cannot review your own break-glass grant.'));
    await reviewSubmitted(world.deps)(submission(world, '{"requestId":9}'));
    expect(world.client.chat.postMessage).toHaveBeenCalledWith(
      expect.objectContaining({ text: ':warning: You cannot review your own break-glass grant.' }),
    );
  });

  test.each([
    ['text that is not JSON', 'not json'],
    ['a field prod-access never writes', '{"requestId":9,"reviewerId":"U0SOMEONE"}'],
    ['a response_url of another host', '{"requestId":9,"responseUrl":"https://evil.example/x"}'],
  ])('with metadata prod-access did not write (%s), is refused in the modal and nothing is reviewed', async (_case, privateMetadata) => {
    const world = listenerWorld();
    await reviewSubmitted(world.deps)(submission(world, privateMetadata));
    expect(world.log).toEqual(['ack']);
    expect(world.ack).toHaveBeenCalledWith({ response_action: 'errors', errors: { [REVIEW_COMMENT_FIELD]: FORGED_FORM } });
  });
});
