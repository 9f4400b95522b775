import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import type { Catalog } from '../../domain/catalog';
import type { RouteHandler } from '../../shared/http';
import type { Logger } from '../../shared/logger';
import { slackLogger } from '../sdk-logger';
import { webClientOptions } from '../outbound/web-client';
import * as actions from './actions';
import { type BotIds, BotIdentity } from './bot-identity';
import * as commands from './commands';
import * as home from './home';
import { guardSlackRequests, type SeenSignatures } from './request-guard';
import * as shortcuts from './shortcuts';
import type { SlackUseCases } from './use-cases';
import * as views from './views';

export interface SlackAppOptions {
  botToken: string;
  signingSecret: string;
  appToken?: string;
  apiUrl: string;
  catalog: Catalog;
  useCases: SlackUseCases;
  logger: Logger;
  /** Where signatures already received are remembered (over HTTP). */
  seenSignatures: SeenSignatures;
}

export interface SlackApp {
  app: App;
  /** Over HTTP: the listener for POSTs to /slack/events, authenticity checked first. */
  httpListener?: RouteHandler;
  /** The bot's ids, looked up in the background; start() it with the web role, stop() it at shutdown. */
  identity: BotIdentity;
}

/** The path Slack posts to, and the only one the listener serves. */
export const SLACK_EVENTS_PATH = '/slack/events';

/**
 * The Bolt app: listeners ack, parse, call a use-case and render. Over HTTP the caller serves the
 * returned listener at SLACK_EVENTS_PATH; with an app-level token it uses Socket Mode.
 */
export function createSlackApp(options: SlackAppOptions): SlackApp {
  const { catalog, useCases, logger } = options;
  const boltLogger = slackLogger(logger, 'bolt');
  // The guard verifies every request before Bolt sees it (and hands Bolt the verified body).
  const receiver = options.appToken
    ? undefined
    : new HTTPReceiver({
        signingSecret: options.signingSecret,
        signatureVerification: false,
        endpoints: [SLACK_EVENTS_PATH],
        logger: boltLogger,
      });
  // Called by start(), once `app` exists.
  const identity: BotIdentity = new BotIdentity(async (): Promise<BotIds> => {
    const result = await app.client.auth.test({ token: options.botToken });
    return { botId: result.bot_id, botUserId: result.user_id };
  }, logger);
  const app: App = new App({
    ...(receiver ? { receiver } : { socketMode: true, appToken: options.appToken, signingSecret: options.signingSecret }),
    clientOptions: webClientOptions(options.apiUrl),
    logger: boltLogger,
    logLevel: LogLevel.INFO,
    // Given a token, Bolt calls auth.test before every listener (and so before every ack) when token
    // verification is off, or before start-up when it is on. This authorize never calls Slack: the
    // bot's ids come from a lookup in the background, and listeners need only the token.
    authorize: async () => ({ botToken: options.botToken, ...identity.ids }),
  });
  const deps = { catalog, useCases, logger };
  commands.register(app, deps);
  actions.register(app, deps);
  views.register(app, deps);
  shortcuts.register(app, deps);
  home.register(app, deps);
  app.error(async (error) => {
    logger.error({ err: error }, 'unhandled error in a Slack listener');
  });
  const httpListener =
    receiver &&
    guardSlackRequests(receiver.requestListener, { signingSecret: options.signingSecret, seen: options.seenSignatures, logger });
  return { app, httpListener, identity };
}
