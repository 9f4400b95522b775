import { checkConnections } from '../catalog/load';
import { jobHandlers } from '../../jobs/handlers';
import { startWorkers } from '../../jobs/workers';
import type { Container, Stop } from '../container';

/**
 * The worker role: one worker per queue running the jobs, the recurring jobs kept scheduled, and first of
 * all a reconcile pass. Returns its shutdown steps.
 */
export async function startWorkerRole({ config, env, logger, catalog, redis, queues, jobUseCases }: Container): Promise<Stop[]> {
  const workers = startWorkers({
    connection: () => redis.connect({ forWorker: true }),
    prefix: config.REDIS_PREFIX,
    concurrency: config.WORKER_CONCURRENCY,
    lockMs: config.JOB_LOCK_SECONDS * 1000,
    handlers: jobHandlers(jobUseCases, logger),
    logger,
  });
  // A target that is down now is reported, not fatal: grants to it retry, and other resources still work.
  void checkConnections(catalog, env).then((problems) => {
    for (const problem of problems) logger.warn({ path: problem.path }, `provider check failed: ${problem.message}`);
  });
  const stopRenewing = await queues.keepRecurringScheduled(
    {
      reconcile: config.RECONCILE_INTERVAL_SECONDS,
      driftCheck: config.DRIFT_CHECK_INTERVAL_SECONDS,
      anchorAudit: config.AUDIT_ANCHOR_INTERVAL_SECONDS,
      reminderSweep: config.REMINDER_SWEEP_INTERVAL_SECONDS,
      sessionSample: config.SESSION_SAMPLE_INTERVAL_SECONDS,
      accessDigest: config.ACCESS_DIGEST_INTERVAL_SECONDS,
    },
    config.RECONCILE_INTERVAL_SECONDS * 1000,
  );
  // Schedules lost while nothing ran are recovered before anything else happens.
  logger.info({ report: await jobUseCases.reconcile() }, 'start-up reconcile done');
  return [async () => stopRenewing(), () => Promise.all(workers.map((w) => w.close()))];
}
