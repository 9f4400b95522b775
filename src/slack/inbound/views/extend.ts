import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { Catalog } from '../../../domain/catalog';
import { isProdAccessError } from '../../../domain/errors';
import { validateRequest } from '../../../domain/policy';
import type { Logger } from '../../../shared/logger';
import { EXTEND_FIELDS } from '../../render/extend-modal';
import { extensionAnswer } from '../../render/replies';
import { errorReply, tellUser } from '../replies';
import type { SlackUseCases } from '../use-cases';
import { ExtendModalMetadata, FORGED_FORM, readMetadata } from './metadata';
import { fieldValue, type ViewValues } from './state';

export interface ExtendViewDeps {
  catalog: Catalog;
  useCases: Pick<SlackUseCases, 'submitExtension'>;
  logger: Logger;
}

export type ExtendSubmitArgs = AllMiddlewareArgs & SlackViewMiddlewareArgs<ViewSubmitAction>;

/**
 * The Extend modal's submission: the same extension as `/prod-access extend <id> <duration> <reason>`.
 * The duration and reason are checked first against the catalog entry the form names (pure and fast), so
 * their problems come back next to the field; then, after the ack, the extension is asked for as the
 * signed user, from the stored grant, and the outcome goes back where the click was, or by DM.
 */
export function extendSubmitted(deps: ExtendViewDeps) {
  return async ({ ack, view, body, client }: ExtendSubmitArgs): Promise<void> => {
    const metadata = readMetadata(ExtendModalMetadata, view.private_metadata, client.slackApiUrl);
    if (!metadata) {
      deps.logger.warn({ user: body.user.id }, 'Extend modal submitted with metadata prod-access did not write');
      await ack({ response_action: 'errors', errors: { [EXTEND_FIELDS.reason]: FORGED_FORM } });
      return;
    }
    const values = view.state.values as ViewValues;
    const input = {
      requestId: metadata.requestId,
      duration: fieldValue(values, EXTEND_FIELDS.duration),
      reason: fieldValue(values, EXTEND_FIELDS.reason),
    };
    try {
      validateRequest(deps.catalog, { resourceId: metadata.resourceId, levelId: metadata.levelId, ...input });
    } catch (error) {
      if (isProdAccessError(error) && error.field) {
        // The entry itself is gone from the catalog (resource, level): said under the reason.
        const block = error.field in values ? error.field : EXTEND_FIELDS.reason;
        await ack({ response_action: 'errors', errors: { [block]: error.message } });
        return;
      }
      throw error;
    }
    await ack();
    let text: string;
    try {
      text = extensionAnswer(await deps.useCases.submitExtension(body.user.id, input), metadata.requestId);
    } catch (error) {
      text = errorReply(error, deps.logger);
    }
    await tellUser(client, body.user.id, metadata.responseUrl, text, deps.logger);
  };
}
