import { SERVER_URL, withClient } from '../support/databases';
import { guarantee } from '../support/guarantees';
import { grantAccess, useHarness } from '../support/harness';
import { waitUntil } from '../support/wait';

/** SIGTERM stops prod-access in bounded time, even with Redis unreachable (in-flight jobs can never finish then). */
describe(guarantee(11), () => {
  const h = useHarness({ role: 'none', proxyDependencies: true });

  test('with Redis down, SIGTERM still ends the process, with exit code 0', async () => {
    const app = await h.spawn('all');
    h.redisProxy!.setMode('down');
    // The runtime's own bound is 15 s; the test only fails if the process never exits.
    await expect(app.kill('SIGTERM')).resolves.toBe(0);
    expect(app.log).toContain('shutting down');
  }, 60_000);

  test('logs written in the background are all out when the process has stopped: its last line is there', async () => {
    h.redisProxy!.setMode('up');
    const app = await h.spawn('worker');
    await expect(app.kill('SIGTERM')).resolves.toBe(0);
    expect(app.log.trim().split('\n').at(-1)).toMatch(/"msg":"prod-access stopped"/);
  }, 60_000);
});

/** Stopping prod-access closes what it opened, the provider pools included, while the process lives on. */
describe(guarantee(11), () => {
  // Pools that never close for being idle: only the shutdown can close them.
  const h = useHarness({ env: { PROVIDER_POOL_IDLE_SECONDS: '3600' } });
  const backends = async (applicationName: string) =>
    (
      await withClient(SERVER_URL, (db) =>
        db.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [applicationName]),
      )
    ).rows[0]!.n;

  test('after stop, no admin connection of the provider is left in the target', async () => {
    const applicationName = `pa_shutdown_${h.suffix}`;
    const adminUrl = new URL(h.settings[h.adminEnvName]!);
    adminUrl.searchParams.set('application_name', applicationName);
    h.settings[h.adminEnvName] = adminUrl.toString();

    await grantAccess(h);
    expect(await backends(applicationName)).toBeGreaterThan(0);
    await h.stopApp();
    await waitUntil(
      async () => ((await backends(applicationName)) === 0 ? true : undefined),
      10_000,
      () => `no backends of ${applicationName}`,
    );
  });
});
