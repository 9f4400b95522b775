import { z } from 'zod';
import { configSchema, parseSettings } from '../../src/main/config';

const SLACK_CREDENTIALS = ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN'] as const;

/**
 * With no Slack credentials at all, `npm start` runs the sandbox: prod-access against a local stand-in for
 * Slack. Never in production, where missing credentials stop start-up like any missing setting.
 */
export function wantsSandbox(env: NodeJS.ProcessEnv): boolean {
  return env.NODE_ENV !== 'production' && SLACK_CREDENTIALS.every((name) => !env[name]);
}

const sandboxSchema = configSchema.pick({ NODE_ENV: true, LOG_LEVEL: true, DATABASE_URL: true }).extend({
  /** The sandbox page, on 127.0.0.1: a port as PORT is, another default. */
  SANDBOX_PORT: configSchema.shape.PORT.unwrap().default(3001),
  /** The demo target database; its roles are named after it, so two sandboxes on one server keep apart. */
  SANDBOX_DATABASE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,40}$/, 'a database name: lower-case letters, digits and _, at most 41')
    .default('prod_access_sandbox'),
});

export type SandboxConfig = z.infer<typeof sandboxSchema>;

/** The sandbox's own settings; the app's come from loadConfig once the sandbox has filled in Slack's. */
export function loadSandboxConfig(env: NodeJS.ProcessEnv = process.env): SandboxConfig {
  return parseSettings(sandboxSchema, env);
}
