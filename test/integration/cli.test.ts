import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { EXAMPLE_CATALOG_ENV } from '../support/example-catalog';
import { Harness } from '../support/harness';

const ROOT = path.join(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

function cli(args: string[], env: Record<string, string | undefined> = {}) {
  const result = spawnSync(TSX, ['src/main/cli.ts', ...args], {
    cwd: ROOT,
    // Only what the test gives, so no developer's .env leaks in (the .env.example defaults still apply).
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the prod-access command line', () => {
  test('a missing SLACK_SIGNING_SECRET stops start-up with one line naming it', () => {
    const result = cli(['start'], { SLACK_BOT_TOKEN: 'xoxb-1', PROD_ACCESS_CATALOG: 'catalog.example.yaml' });
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toEqual([
      "SLACK_SIGNING_SECRET: missing; expected the app's signing secret (Basic Information page of your Slack app)",
    ]);
  });

  test('in production, missing Slack credentials stop start-up with one line per variable, never a sandbox', () => {
    const result = cli(['start'], { PROD_ACCESS_CATALOG: 'catalog.example.yaml' });
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toEqual([
      'SLACK_BOT_TOKEN: missing; expected a bot token starting with xoxb- (OAuth & Permissions page of your Slack app)',
      "SLACK_SIGNING_SECRET: missing; expected the app's signing secret (Basic Information page of your Slack app)",
    ]);
  });

  test('catalog validate accepts the example and lists every problem of a broken catalog with its path', () => {
    const ok = cli(['catalog', 'validate', 'catalog.example.yaml'], EXAMPLE_CATALOG_ENV);
    // Then the notes of a valid catalog (levels open to everyone, profile-field warnings): test/e2e/identity.test.ts.
    expect(ok).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^catalog\.example\.yaml: valid \(6 resources, 8 access levels\)\n/),
    });
    const broken = cli(['catalog', 'validate', 'test/fixtures/broken-catalog.yaml']);
    expect(broken.code).toBe(1);
    expect(broken.stderr.trim().split('\n')).toEqual([
      'test/fixtures/broken-catalog.yaml: auditChannel: must be a Slack channel id like C0123ABCD',
      'test/fixtures/broken-catalog.yaml: resources[0].levels[0].maxDuration: "forever" is not a duration. Use a number with a unit, like 30m, 2h, 1h30m or 1d.',
      'test/fixtures/broken-catalog.yaml: resources[0].levels[0].approvers: must list at least one approver user or group',
      'test/fixtures/broken-catalog.yaml: resources[0].provider.connectionEnv: must be the NAME of an environment variable, not a URL',
    ]);
  });

  test('catalog validate --connect tries every provider and names the ones it cannot use, without their secrets', () => {
    const result = cli(['catalog', 'validate', '--connect', 'catalog.example.yaml'], {
      ...EXAMPLE_CATALOG_ENV,
      BILLING_DB_ADMIN_URL: 'mysql://root:wrong-secret-pw@127.0.0.1:3306/',
    });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^catalog\.example\.yaml: resources\[1\]\.provider: cannot use billing-db: Access denied for user 'root'/),
      expect.stringMatching(
        /^catalog\.example\.yaml: resources\[3\]\.provider: cannot use feature-flags: The webhook https:\/\/flags\.internal\.example\.com\/prod-access failed the ping/,
      ),
      'catalog.example.yaml: resources[4].provider: cannot use orders-k8s: /usr/local/bin/kubectl is not an executable file.',
      expect.stringMatching(/^catalog\.example\.yaml: resources\[5\]\.provider: cannot use orders-api-allowlist: ENOENT/),
    ]);
    expect(result.stderr).not.toContain('wrong-secret-pw');
    expect(cli(['catalog', 'validate', '--connnect', 'catalog.example.yaml']).stderr).toMatch(/Unknown option '--connnect'/);
  });

  test('audit prints the events of a request as JSON lines', async () => {
    const h = await Harness.start();
    try {
      const reply = await h.ask(h.users.dev, `request ${h.resourceId} read-only 10m audit cli`);
      const id = Number(/#(\d+)/.exec(reply)?.[1]);
      await h.clickAndReply(h.users.manager1, id);
      await h.waitForApprovalMessage(id, 'active until');
      const result = cli(['audit', '--request', String(id)], { DATABASE_URL: h.databaseUrl });
      expect(result.code).toBe(0);
      const events = result.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { action: string; requestId: number; actor: string });
      expect(events.map((e) => e.action)).toEqual(['requested', 'approval_recorded', 'approved', 'granted']);
      expect(events.every((e) => e.requestId === id)).toBe(true);
      expect(events[0]!.actor).toBe(h.users.dev);
      expect(cli(['audit', '--from', 'yesterday']).stderr).toMatch(/ISO dates/);
    } finally {
      await h.stop();
    }
  });
});
