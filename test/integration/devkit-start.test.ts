import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { spawnSandbox } from '../support/sandbox';

const ROOT = path.join(__dirname, '../..');
// One process with tsx's loader, as `npm start` runs it: the tsx launcher would relay the group's SIGTERM a second time.
const LAUNCHER = ['--import', 'tsx', 'devkit/start.ts'];

/** The launcher with only the given settings, so no developer's .env leaks in (.env.example still applies). */
function launch(args: string[], env: Record<string, string>) {
  const result = spawnSync(process.execPath, [...LAUNCHER, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, lines: result.stderr.trim().split('\n'), stdout: result.stdout };
}

const BOT_TOKEN_MISSING = 'SLACK_BOT_TOKEN: missing; expected a bot token starting with xoxb- (OAuth & Permissions page of your Slack app)';
const SIGNING_SECRET_MISSING =
  "SLACK_SIGNING_SECRET: missing; expected the app's signing secret (Basic Information page of your Slack app)";

describe('npm start, the launcher of a checkout', () => {
  test('with no Slack credentials outside production, runs the sandbox and prints its URL', async () => {
    const sandbox = await spawnSandbox(process.execPath, LAUNCHER);
    try {
      const page = await fetch(sandbox.url);
      expect(page.status).toBe(200);
      await expect(page.text()).resolves.toContain('prod-access sandbox');
    } finally {
      await sandbox.stop();
    }
  }, 60_000);

  test("otherwise runs prod-access's own start, which reports what is missing: in production, with a credential, for one role", () => {
    const catalog = { PROD_ACCESS_CATALOG: 'catalog.example.yaml' };
    expect(launch([], { ...catalog, NODE_ENV: 'production' })).toEqual({
      code: 1,
      lines: [BOT_TOKEN_MISSING, SIGNING_SECRET_MISSING],
      stdout: '',
    });
    expect(launch([], { ...catalog, SLACK_BOT_TOKEN: 'xoxb-1' })).toEqual({ code: 1, lines: [SIGNING_SECRET_MISSING], stdout: '' });
    // The sandbox is the whole of prod-access: a single role is never played against it.
    expect(launch(['web'], catalog)).toEqual({ code: 1, lines: [BOT_TOKEN_MISSING, SIGNING_SECRET_MISSING], stdout: '' });
  }, 120_000);
});
