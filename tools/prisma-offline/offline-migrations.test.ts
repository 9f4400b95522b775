/**
 * The Prisma CLI runs migrations offline through prisma.cjs and schema-engine.cjs beside this test (the wasm
 * schema engine behind the native engine's stdin/stdout protocol), and only with the tested builds.
 *
 * Runs the real CLI against a fresh, uniquely named PostgreSQL database.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { databaseUrl, dropDatabase, recreateDatabase, withClient } from '../../test/support/databases';

const execFileAsync = promisify(execFile);

const ROOT = path.resolve(__dirname, '../..');
const WRAPPER = path.join(__dirname, 'prisma.cjs');
const MIGRATIONS_DIR = path.join(ROOT, 'prisma/migrations');

const DB_NAME = `pa_engine_test_${process.pid}_${randomBytes(4).toString('hex')}`;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI as `npm run db:deploy` runs it: the wrapper chooses the offline engine. */
async function prisma(args: string[], wrapper = WRAPPER): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl(DB_NAME),
    CHECKPOINT_DISABLE: '1',
    NO_COLOR: '1',
  };
  delete env.MIGRATION_DATABASE_URL;
  delete env.PRISMA_SCHEMA_ENGINE_BINARY;
  delete env.PRISMA_MIGRATION_ENGINE_BINARY;
  delete env.DEBUG;
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [wrapper, ...args], { cwd: ROOT, env, timeout: 90_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(error) };
  }
}

/** Fails with the CLI's full output unless it exited 0. */
function expectSuccess(command: string, result: CliResult): void {
  if (result.code !== 0) {
    throw new Error(`prisma ${command} exited ${result.code}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`);
  }
}

function migrationNames(): string[] {
  return readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(MIGRATIONS_DIR, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort();
}

describe('offline Prisma migrations through the wasm schema-engine shim', () => {
  jest.setTimeout(180_000);

  beforeAll(async () => {
    expect(migrationNames().length).toBeGreaterThan(0);
    await recreateDatabase(DB_NAME);
  });

  afterAll(async () => {
    await dropDatabase(DB_NAME);
  });

  it('applies every migration with `migrate deploy` and reports the database up to date', async () => {
    const deploy = await prisma(['migrate', 'deploy']);
    expectSuccess('migrate deploy', deploy);
    expect(deploy.stdout).toMatch(/All migrations have been successfully applied|No pending migrations to apply/);

    await withClient(databaseUrl(DB_NAME), async (db) => {
      const { rows: tables } = await db.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
      );
      const names = tables.map((r) => r.table_name);
      expect(names).toEqual(expect.arrayContaining(['access_requests', 'decisions', 'audit_events', '_prisma_migrations']));

      const { rows: applied } = await db.query<{ migration_name: string; finished: boolean }>(
        `SELECT migration_name, finished_at IS NOT NULL AND rolled_back_at IS NULL AS finished
           FROM _prisma_migrations ORDER BY migration_name`,
      );
      expect(applied.map((r) => r.migration_name)).toEqual(migrationNames());
      expect(applied.every((r) => r.finished)).toBe(true);
    });

    const status = await prisma(['migrate', 'status']);
    expectSuccess('migrate status', status);
    expect(status.stdout).toContain('Database schema is up to date!');
  });

  it('refuses, in one line and before the CLI runs, an engine other than the tested build', async () => {
    // A checkout whose package.json pins another engine build than node_modules holds, as after a pull
    // without `npm ci`.
    const checkout = mkdtempSync(path.join(tmpdir(), 'prisma-offline-'));
    try {
      const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
      const pinned = pkg.dependencies['@prisma/schema-engine-wasm']!;
      const untested = pinned.replace(/^(\d+\.\d+\.\d+-)\d+\./, '$1999.');
      expect(untested).not.toBe(pinned);
      pkg.dependencies['@prisma/schema-engine-wasm'] = untested;
      writeFileSync(path.join(checkout, 'package.json'), JSON.stringify(pkg));
      symlinkSync(path.join(ROOT, 'node_modules'), path.join(checkout, 'node_modules'));
      cpSync(__dirname, path.join(checkout, 'tools/prisma-offline'), { recursive: true });

      const refused = await prisma(['migrate', 'deploy'], path.join(checkout, 'tools/prisma-offline/prisma.cjs'));
      expect(refused).toEqual({
        code: 1,
        stdout: '',
        stderr:
          `prisma-offline: @prisma/schema-engine-wasm ${pinned} is installed, but the offline schema engine is tested with ` +
          `${untested} (package.json); run \`npm ci\`, or upgrade as tools/prisma-offline/README.md says\n`,
      });
    } finally {
      rmSync(checkout, { recursive: true, force: true });
    }
  });
});
