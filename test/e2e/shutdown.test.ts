import { guarantee } from '../support/guarantees';
import { useHarness } from '../support/harness';

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
});
