import { guarantee } from '../support/guarantees';
import { requestAccess, useHarness, waitUntil } from '../support/harness';

/** A worker SIGKILLed in the middle of a grant or a revoke loses nothing: another worker finishes the job. */
describe(guarantee(2), () => {
  // A short job lock, so the dead worker's job is taken over in seconds rather than half a minute; a
  // reconciler too slow to help, so what is proven is the takeover itself (the reconciler has its own test);
  // admin connections closed a second after use, so that the job opens one of its own for the proxy to hold.
  const h = useHarness({
    role: 'web',
    proxyTarget: true,
    reconcileIntervalSeconds: 3600,
    env: { JOB_LOCK_SECONDS: '4', PROVIDER_POOL_IDLE_SECONDS: '1' },
  });

  /** Holds the provider's next connection to the target, so the job is caught half-way. */
  async function killWorkerWhileItTalksToTheTarget(start: () => Promise<unknown>): Promise<void> {
    const proxy = h.targetProxy!;
    const worker = h.processes.find((p) => p.role === 'worker')!;
    // A pooled connection still open would carry the job past the stall.
    await waitUntil(
      () => (proxy.open === 0 ? true : undefined),
      30_000,
      () => 'the pooled connections to the target to close',
    );
    proxy.setMode('stalled');
    proxy.accepted = 0;
    await start();
    await waitUntil(
      () => (proxy.accepted > 0 ? true : undefined),
      30_000,
      () => 'the worker to connect to the target',
    );
    await worker.kill('SIGKILL');
    h.processes.splice(h.processes.indexOf(worker), 1);
    proxy.setMode('up');
    await h.spawn('worker');
  }

  test('killed in the middle of a grant, then in the middle of its revoke: one grant applied, then removed', async () => {
    await h.spawn('worker');
    const id = await requestAccess(h, { duration: '8s', reason: 'killed worker' });

    await killWorkerWhileItTalksToTheTarget(() => h.clickAndReply(h.users.manager1, id));
    await h.waitForApprovalMessage(id, 'active until', 30_000);
    expect(await h.target.developerCanRead()).toBe(true);

    await killWorkerWhileItTalksToTheTarget(async () => undefined);
    await h.waitForApprovalMessage(id, 'Ended at its expiry', 30_000);
    expect(await h.target.developerCanRead()).toBe(false);
    const actions = await h.auditActions(id);
    expect(actions.filter((a) => a === 'granted')).toHaveLength(1);
    expect(actions.filter((a) => a === 'expired')).toHaveLength(1);
  }, 120_000);
});
