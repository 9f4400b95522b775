import { type Logger, LogLevel, webApi } from '@slack/bolt';
import type { SlackStandin } from '../../../../devkit/slack-standin/server';

/** Keeps expected Slack errors (which WebClient logs) out of the test output. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};

/** The real @slack/web-api client, pointed at the stand-in. */
export function webClientFor(standin: SlackStandin, token: string | undefined, options: webApi.WebClientOptions = {}): webApi.WebClient {
  return new webApi.WebClient(token, { slackApiUrl: standin.apiUrl, logger: silentLogger, ...options });
}
