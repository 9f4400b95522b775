import { LogLevel, type Logger as SlackSdkLogger } from '@slack/logger';
import type { Logger } from '../shared/logger';

/** Slack's SDKs (Bolt, WebClient) log through pino, so their lines are redacted and leveled like ours. */
export function slackLogger(logger: Logger, component: string): SlackSdkLogger {
  const child = logger.child({ component });
  const line = (msg: unknown[]) =>
    msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(' ');
  return {
    debug: (...msg) => child.debug(line(msg)),
    info: (...msg) => child.info(line(msg)),
    warn: (...msg) => child.warn(line(msg)),
    error: (...msg) => child.error(line(msg)),
    setLevel: () => undefined,
    getLevel: () => LogLevel.INFO,
    setName: () => undefined,
  };
}
