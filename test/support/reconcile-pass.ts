import { escalateOverdueReviews } from '../../src/app/break-glass';
import { expirePending } from '../../src/app/pending';
import { noMetrics, systemClock } from '../../src/app/ports';
import { reconcile } from '../../src/app/reconcile';
import { alertRevokeFailures } from '../../src/app/revoke-failed';
import { AuditChain } from '../../src/db/audit-chain';
import { PrismaAuditLog } from '../../src/db/audit-log';
import type { Db } from '../../src/db/client';
import { PrismaRequestStore } from '../../src/db/request-store';
import type { JobQueues } from '../../src/jobs/queues';
import { silentLogger } from './logs';

/** The reconcile pass as the worker role wires it, over a database and queues a test (or the bench) owns. */
export function reconcilePass(db: Db, queues: JobQueues, settings: { auditKey: string; intervalSeconds: number }) {
  const requests = new PrismaRequestStore(db, new AuditChain(settings.auditKey), silentLogger);
  return reconcile({
    requests,
    audit: new PrismaAuditLog(db),
    schedule: queues,
    announcements: queues,
    expirePending: expirePending({ requests, announcements: queues, clock: systemClock }),
    escalateReviews: escalateOverdueReviews({ requests, announcements: queues, clock: systemClock }),
    // REVOKE_FAILED_ALERT_SECONDS' default.
    alertRevokeFailures: alertRevokeFailures({ requests, announcements: queues, clock: systemClock, thresholdSeconds: 900 }),
    clock: systemClock,
    intervalSeconds: settings.intervalSeconds,
    metrics: noMetrics,
  });
}
