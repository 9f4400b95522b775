import { App, LogLevel, type CustomRoute } from '@slack/bolt';
import type { Catalog } from '../domain/catalog';
import { type Logger, slackLogger } from '../logger';
import * as decide from './actions/decide';
import * as prodAccess from './commands/prod-access';
import type { SlackUseCases } from './use-cases';
import * as deny from './views/deny';
import * as requestView from './views/request';

export interface SlackAppOptions {
  botToken: string;
  signingSecret: string;
  appToken?: string;
  apiUrl: string;
  catalog: Catalog;
  useCases: SlackUseCases;
  logger: Logger;
  customRoutes: CustomRoute[];
}

/** The Bolt app: listeners ack, parse, call a use-case and render. Slack reaches it at /slack/events. */
export function createSlackApp(options: SlackAppOptions): App {
  const { catalog, useCases, logger } = options;
  const app = new App({
    token: options.botToken,
    signingSecret: options.signingSecret,
    ...(options.appToken ? { socketMode: true, appToken: options.appToken } : {}),
    clientOptions: { slackApiUrl: options.apiUrl, retryConfig: { retries: 3, factor: 2, minTimeout: 500 } },
    customRoutes: options.customRoutes,
    logger: slackLogger(logger, 'bolt'),
    logLevel: LogLevel.INFO,
    // No auth.test at start-up: the web role must come up (and answer /healthz) while Slack is unreachable.
    tokenVerificationEnabled: false,
  });
  prodAccess.register(app, { catalog, useCases, logger });
  requestView.register(app, { catalog, useCases, logger });
  decide.register(app, { useCases, logger });
  deny.register(app, { useCases, logger });
  app.error(async (error) => {
    logger.error({ err: error }, 'unhandled error in a Slack listener');
  });
  return app;
}
