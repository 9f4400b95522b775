import { App, HTTPReceiver, LogLevel, type CustomRoute } from '@slack/bolt';
import type { RequestListener } from 'node:http';
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

export interface SlackApp {
  app: App;
  /** Over HTTP: the listener to serve (Slack's requests at /slack/events, plus the custom routes). */
  httpListener?: RequestListener;
}

/**
 * The Bolt app: listeners ack, parse, call a use-case and render. Over HTTP the caller serves the
 * returned listener, so it can put a guard in front of it; with an app-level token it uses Socket Mode.
 */
export function createSlackApp(options: SlackAppOptions): SlackApp {
  const { catalog, useCases, logger } = options;
  const boltLogger = slackLogger(logger, 'bolt');
  const receiver = options.appToken
    ? undefined
    : new HTTPReceiver({ signingSecret: options.signingSecret, customRoutes: options.customRoutes, logger: boltLogger });
  const app = new App({
    token: options.botToken,
    ...(receiver ? { receiver } : { socketMode: true, appToken: options.appToken, signingSecret: options.signingSecret }),
    clientOptions: { slackApiUrl: options.apiUrl, retryConfig: { retries: 3, factor: 2, minTimeout: 500 } },
    logger: boltLogger,
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
  return { app, httpListener: receiver?.requestListener };
}
