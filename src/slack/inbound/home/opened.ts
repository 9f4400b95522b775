import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { Catalog } from '../../../domain/catalog';
import type { Logger } from '../../../shared/logger';
import { requestModal } from '../../render/request-modal';
import type { ButtonArgs } from '../actions/decide';
import type { SlackUseCases } from '../use-cases';

export interface HomeDeps {
  catalog: Catalog;
  useCases: Pick<SlackUseCases, 'publishHome'>;
  logger: Logger;
}

export type HomeOpenedArgs = AllMiddlewareArgs & SlackEventMiddlewareArgs<'app_home_opened'>;

/**
 * The person opened the app's Home tab (Bolt acks an event before its listeners run): their home is
 * published as the database has it now. The Messages tab sends the same event, with `tab: 'messages'`.
 */
export function homeOpened(deps: Pick<HomeDeps, 'useCases' | 'logger'>) {
  return async ({ event }: HomeOpenedArgs): Promise<void> => {
    if (event.tab !== 'home') return;
    try {
      await deps.useCases.publishHome(event.user);
    } catch (error) {
      deps.logger.warn({ err: error, user: event.user }, 'App Home not published');
    }
  };
}

/**
 * The home's Request access button: the request modal, as a bare `/prod-access` opens it, with the
 * click's trigger before anything else. There is no response_url, so the outcome goes by DM.
 */
export function requestAccessClicked(deps: Pick<HomeDeps, 'catalog' | 'logger'>) {
  return async ({ ack, body, client }: ButtonArgs): Promise<void> => {
    await ack();
    try {
      await client.views.open({ trigger_id: body.trigger_id, view: requestModal(deps.catalog, {}) });
    } catch (error) {
      deps.logger.warn({ err: error, user: body.user.id }, 'request modal not opened from App Home');
    }
  };
}
