import { AuditChain } from '../../src/db/audit-chain';
import { createDb } from '../../src/db/client';
import { PrismaRequestStore } from '../../src/db/request-store';
import { AUDIT_KEY } from '../support/databases';
import { requestStoreContract } from '../support/request-store-contract';
import { silentLogger } from '../support/logs';

const db = createDb(process.env.DATABASE_URL!);
const store = new PrismaRequestStore(db, new AuditChain(AUDIT_KEY), silentLogger);

afterAll(() => db.$disconnect());

requestStoreContract('PrismaRequestStore', {
  store: () => store,
  seed: async (fields) =>
    (
      await db.accessRequest.create({
        data: {
          level: 'read-only',
          durationSeconds: 3600,
          reason: 'contract',
          approvalsRequired: 1,
          pendingExpiresAt: new Date(Date.now() + 3600_000),
          ...fields,
        },
      })
    ).id,
  auditActions: async (requestId) =>
    (await db.auditEvent.findMany({ where: { requestId }, orderBy: { id: 'asc' } })).map((event) => event.action),
  now: () => new Date(),
});
