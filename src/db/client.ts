import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';

export type Db = PrismaClient;

export function createDb(databaseUrl: string): Db {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
}

/** The transaction client handed to repository code that must run inside one transaction. */
export type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];
