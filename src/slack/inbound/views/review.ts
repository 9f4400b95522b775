import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { isProdAccessError } from '../../../domain/errors';
import { validateReviewComment } from '../../../domain/policy';
import type { Logger } from '../../../shared/logger';
import { reviewAnswer } from '../../render/replies';
import { REVIEW_COMMENT_FIELD } from '../../render/review-modal';
import { errorReply, tellUser } from '../replies';
import type { SlackUseCases } from '../use-cases';
import { FORGED_FORM, readMetadata, ReviewModalMetadata } from './metadata';
import { fieldValue } from './state';

export interface ReviewViewDeps {
  useCases: Pick<SlackUseCases, 'reviewBreakGlass'>;
  logger: Logger;
}

export type ReviewSubmitArgs = AllMiddlewareArgs & SlackViewMiddlewareArgs<ViewSubmitAction>;

/**
 * The review modal's submission, where who may review is checked: from the signed user id and the catalog
 * (the metadata only names the grant). An empty comment is answered in the modal; the outcome goes back
 * where the click was, or by DM.
 */
export function reviewSubmitted(deps: ReviewViewDeps) {
  return async ({ ack, view, body, client }: ReviewSubmitArgs): Promise<void> => {
    const metadata = readMetadata(ReviewModalMetadata, view.private_metadata, client.slackApiUrl);
    if (!metadata) {
      deps.logger.warn({ user: body.user.id }, 'review modal submitted with metadata prod-access did not write');
      await ack({ response_action: 'errors', errors: { [REVIEW_COMMENT_FIELD]: FORGED_FORM } });
      return;
    }
    const comment = fieldValue(view.state.values, REVIEW_COMMENT_FIELD);
    try {
      validateReviewComment(comment);
    } catch (error) {
      if (!isProdAccessError(error)) throw error;
      await ack({ response_action: 'errors', errors: { [REVIEW_COMMENT_FIELD]: error.message } });
      return;
    }
    await ack();
    let text: string;
    try {
      text = reviewAnswer(await deps.useCases.reviewBreakGlass(metadata.requestId, body.user.id, comment));
    } catch (error) {
      text = errorReply(error, deps.logger);
    }
    await tellUser(client, body.user.id, metadata.responseUrl, text, deps.logger);
  };
}
