import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';

export type Db = PrismaClient;

/**
 * Prisma gives up on a transaction that waits over 2 s for a pooled connection. Under a burst (many
 * clicks while the workers are busy) that dropped approvals; Slack is already acked, so wait longer.
 */
const TRANSACTIONS = { maxWait: 10_000, timeout: 20_000 };

export function createDb(databaseUrl: string): Db {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }), transactionOptions: TRANSACTIONS });
}

/** The transaction client handed to repository code that must run inside one transaction. */
export type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];
