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

  test('logs written in the background are all out when the process has stopped: its last line is there', async () => {
    h.redisProxy!.setMode('up');
    const app = await h.spawn('worker');
    await expect(app.kill('SIGTERM')).resolves.toBe(0);
    expect(app.log.trim().split('\n').at(-1)).toMatch(/"msg":"prod-access stopped"/);
  }, 60_000);
});
