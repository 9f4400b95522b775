import { WebClient, type WebClientOptions } from '@slack/web-api';
import type { Logger } from '../../shared/logger';
import { slackLogger } from '../sdk-logger';

/**
 * How every client of prod-access talks to Slack's Web API: at the configured URL, and a call Slack
 * rate-limits or drops is tried 3 more times, half a second apart and doubling. Bolt builds its own
 * clients from these options (it takes options, not a client); everything else uses createWebClient.
 */
export function webClientOptions(apiUrl: string): WebClientOptions {
  return { slackApiUrl: apiUrl, retryConfig: { retries: 3, factor: 2, minTimeout: 500 } };
}

/** The Web API client the workers and the directory share. */
export function createWebClient(config: { token: string; apiUrl: string }, logger: Logger): WebClient {
  return new WebClient(config.token, { ...webClientOptions(config.apiUrl), logger: slackLogger(logger, 'slack-web-api') });
}
