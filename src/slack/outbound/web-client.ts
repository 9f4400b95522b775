import { WebClient, WebClientEvent, type WebClientOptions } from '@slack/web-api';
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

/** Told of each Web API call's final result, and of each 429 Slack answered on the way (`rate_limited`). */
export type SlackCallObserver = (method: string, result: 'ok' | 'error' | 'rate_limited') => void;

/** The Web API client the workers and the directory share. */
export function createWebClient(config: { token: string; apiUrl: string }, logger: Logger, observe?: SlackCallObserver): WebClient {
  const options = { ...webClientOptions(config.apiUrl), logger: slackLogger(logger, 'slack-web-api') };
  return observe ? new ObservedWebClient(config.token, options, observe) : new WebClient(config.token, options);
}

/**
 * The WebClient emits no event per call, so its one entry point is wrapped: every method (`chat.postMessage`,
 * `paginate`) goes through `apiCall`, after its retries. A 429 is seen as it happens, from the client's `rate_limited` event.
 */
class ObservedWebClient extends WebClient {
  constructor(
    token: string,
    options: WebClientOptions,
    private readonly observe: SlackCallObserver,
  ) {
    super(token, options);
    this.on(WebClientEvent.RATE_LIMITED, (_retrySeconds: number, { url }: { url: string }) =>
      observe(url.slice(url.lastIndexOf('/') + 1), 'rate_limited'),
    );
  }

  override async apiCall(...args: Parameters<WebClient['apiCall']>): ReturnType<WebClient['apiCall']> {
    try {
      const result = await super.apiCall(...args);
      this.observe(args[0], 'ok');
      return result;
    } catch (e) {
      this.observe(args[0], 'error');
      throw e;
    }
  }
}
