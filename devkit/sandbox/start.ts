import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/main/config';
import type { SandboxConfig } from './config';
import { StartupError } from '../../src/domain/errors';
import type { Logger } from '../../src/shared/logger';
import { startRuntime } from '../../src/main/lifecycle';
import { startSlackStandin } from '../slack-standin/server';
import { DEMO_TARGET_ENV, demoCatalog } from './demo-catalog';
import { demoTarget, prepareDemoTarget } from './demo-target';
import { DEMO_CHANNELS, demoPeople, ONCALL_GROUP } from './demo-workspace';
import { startSandboxServer } from './server';

export interface Sandbox {
  /** The page to open in a browser. */
  url: string;
  stop(): Promise<void>;
}

/**
 * prod-access's main job without a Slack workspace: the web role and the workers, unchanged, talking
 * to a local stand-in for Slack, and a page that plays Slack's client. The sandbox only supplies
 * configuration: the stand-in's API URL, a token and signing secret it generates, and a demo catalog
 * whose access is granted for real in a local demo database.
 */
export async function startSandbox(settings: SandboxConfig, env: NodeJS.ProcessEnv, logger: Logger): Promise<Sandbox> {
  const stops: (() => Promise<unknown> | void)[] = [];
  const stop = async () => {
    for (const step of [...stops].reverse())
      await Promise.resolve(step()).catch((err: unknown) => logger.warn({ err }, 'sandbox shutdown'));
  };
  try {
    const target = demoTarget(settings.DATABASE_URL, settings.SANDBOX_DATABASE);
    const people = demoPeople(settings.SANDBOX_DATABASE);
    await prepareDemoTarget(
      target,
      people.map((person) => person.login),
    );

    const credentials = { botToken: `xoxb-sandbox-${randomBytes(12).toString('hex')}`, signingSecret: randomBytes(32).toString('hex') };
    const channels = Object.values(DEMO_CHANNELS);
    const standin = await startSlackStandin({
      botToken: credentials.botToken,
      users: people,
      channels,
      usergroups: [ONCALL_GROUP],
      // Requests of an earlier run still name their messages by ts: a new message must never reuse one.
      firstTsSeconds: Math.floor(Date.now() / 1000),
    });
    stops.push(() => standin.close());

    const catalogDir = mkdtempSync(path.join(tmpdir(), 'prod-access-sandbox-'));
    stops.push(() => rmSync(catalogDir, { recursive: true, force: true }));
    const catalogFile = path.join(catalogDir, 'catalog.yaml');
    writeFileSync(catalogFile, stringify(demoCatalog(target, people)));

    const appEnv: NodeJS.ProcessEnv = {
      ...env,
      SLACK_BOT_TOKEN: credentials.botToken,
      SLACK_SIGNING_SECRET: credentials.signingSecret,
      SLACK_API_URL: standin.apiUrl,
      PROD_ACCESS_CATALOG: catalogFile,
      LISTEN_HOST: '127.0.0.1',
      [DEMO_TARGET_ENV]: target.adminUrl,
    };
    const config = loadConfig(appEnv);
    const runtime = await startRuntime(config, 'all', logger, appEnv).catch(explainPortInUse('PORT', config.PORT));
    stops.push(() => runtime.stop());

    const page = await startSandboxServer({
      port: settings.SANDBOX_PORT,
      standin,
      endpoint: `http://127.0.0.1:${runtime.port}/slack/events`,
      signingSecret: credentials.signingSecret,
      people,
      channels,
      usergroups: [ONCALL_GROUP],
      target,
      logger,
    }).catch(explainPortInUse('SANDBOX_PORT', settings.SANDBOX_PORT));
    stops.push(() => page.close());
    return { url: page.url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A busy port is a setting to change, said in one line like any other setting problem. */
function explainPortInUse(variable: string, port: number) {
  return (error: unknown): never => {
    if ((error as { code?: unknown }).code !== 'EADDRINUSE') throw error;
    throw new StartupError(
      'CONFIG_INVALID',
      `${variable}: port ${port} is in use on 127.0.0.1; set ${variable} to a free port (0 picks one)`,
    );
  };
}
