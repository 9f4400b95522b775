import 'dotenv/config';
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: {
    // Migrations run as the tables' owner; the app (DATABASE_URL) logs in as a role that may not change audit
    // rows. With one role for both (a development machine), DATABASE_URL serves both. Blank counts as unset.
    url: process.env.MIGRATION_DATABASE_URL || process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/prod_access',
  },
});
