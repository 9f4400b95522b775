import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { checkConnections, loadCatalog, loadCatalogFile } from './catalog/load';
import { buildAccessReport } from '../app/access-report';
import { systemClock } from '../app/ports';
import { PrismaAccessReport } from '../db/access-report';
import { formatReport, REPORT_FORMATS, type ReportFormat } from '../domain/access-report-output';
import { anchorAuditChain } from '../app/audit-anchor';
import { auditKeyOf, type Config, loadAuditConfig, loadConfig, loadDatabaseConfig, loadEnvFiles, loadReportConfig } from './config';
import { type AuditQuery, PrismaAuditLog } from '../db/audit-log';
import { AuditChain } from '../db/audit-chain';
import { createDb } from '../db/client';
import { Redis } from 'ioredis';
import { PrismaRequestStore } from '../db/request-store';
import { JobQueues } from '../jobs/queues';
import { type Anchor, parseAnchor } from '../domain/audit-anchor';
import { EXPORT_FORMATS, type ExportFormat, toJsonLine, toOcsf } from '../domain/audit-export';
import { catalogNotes, findResource } from '../domain/catalog';
import { isProdAccessError, UserError } from '../domain/errors';
import { createLogger, flushLogs, type Logger } from '../shared/logger';
import { type Role, ROLES, runUntilSignal, startRuntime } from './lifecycle';
import { withTimeout } from '../shared/timeout';

const USAGE = `Usage:
  prod-access [start] [web|worker|all]         run prod-access (default: all)
  prod-access catalog validate [--connect] <file>   check a catalog and print every problem;
                                               --connect also tries each provider's connection
  prod-access audit [--request N] [--from T] [--to T]   print audit events as JSON lines
  prod-access audit export --format jsonl|ocsf [--from T] [--to T] [--request N]
                                               the audit log for a SIEM: JSON lines, or OCSF 1.1 events
  prod-access audit verify [--anchor ID:COUNT:HASH]   check the audit chain (and that the anchored head
                                               is still there, with every event up to it)
  prod-access audit anchor                     record the chain head and post it in the audit channel
  prod-access report --from T --to T [--resource R] [--format markdown|csv|json]
                                               who held access in a window, and its unusual patterns`;

async function main(argv: string[]): Promise<number> {
  loadEnvFiles();
  const [command = 'start', ...rest] = argv;
  if (ROLES.includes(command as Role)) return start(command as Role);
  switch (command) {
    case 'start':
      return start((rest[0] ?? 'all') as Role);
    case 'catalog':
      return validateCatalog(rest);
    case 'audit':
      return printAudit(rest);
    case 'report':
      return printReport(rest);
    case 'help':
    case '--help':
      console.log(USAGE);
      return 0;
    default:
      console.error(`Unknown command "${command}".\n${USAGE}`);
      return 2;
  }
}

async function start(role: Role): Promise<number> {
  if (!ROLES.includes(role)) {
    console.error(`Unknown role "${role}"; expected one of ${ROLES.join(', ')}.`);
    return 2;
  }
  const config = loadConfig();
  const logger = loggerFor(config);
  const runtime = await startRuntime(config, role, logger);
  logger.info({ role, port: runtime.port, opsPort: runtime.opsPort }, 'prod-access started');
  await runUntilSignal(runtime, logger);
  logger.info({ role }, 'prod-access stopped');
  await flushLogs(logger);
  return 0;
}

function loggerFor(settings: Pick<Config, 'LOG_LEVEL' | 'NODE_ENV'>): Logger {
  return createLogger({
    level: settings.LOG_LEVEL,
    pretty: settings.NODE_ENV === 'development' && process.stdout.isTTY,
    // A fatal exit (process.exit) still writes what is buffered: pino flushes its destination on exit.
    asyncWrites: settings.NODE_ENV === 'production',
  });
}

async function validateCatalog(args: string[]): Promise<number> {
  const usage = 'Usage: prod-access catalog validate [--connect] <file>';
  let parsed;
  try {
    parsed = parseArgs({ args, options: { connect: { type: 'boolean', default: false } }, allowPositionals: true });
  } catch (e) {
    console.error(`${(e as Error).message}\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [sub, file] = positionals;
  if (sub !== 'validate' || !file || positionals.length > 2) {
    console.error(usage);
    return 2;
  }
  const result = loadCatalogFile(file);
  const problems = result.ok ? (values.connect ? await checkConnections(result.catalog) : []) : result.problems;
  if (result.ok && problems.length === 0) {
    const levels = result.catalog.resources.reduce((n, r) => n + r.levels.length, 0);
    const connected = values.connect ? ', every provider reachable' : '';
    console.log(`${file}: valid (${result.catalog.resources.length} resources, ${levels} access levels${connected})`);
    for (const note of catalogNotes(result.catalog)) console.log(`${file}: ${note}`);
    return 0;
  }
  for (const problem of problems) console.error(`${file}: ${problem.path}: ${problem.message}`);
  return 1;
}

async function withAuditLog<T>(work: (audit: PrismaAuditLog) => Promise<T>): Promise<T> {
  const db = createDb(loadDatabaseConfig().DATABASE_URL);
  try {
    return await work(new PrismaAuditLog(db));
  } finally {
    await db.$disconnect();
  }
}

async function verifyAudit(anchor: Anchor | undefined): Promise<number> {
  const chain = new AuditChain(auditKeyOf(loadAuditConfig()));
  const verdict = await withAuditLog((audit) => audit.verifyChain(chain, anchor));
  if (verdict.ok) {
    const legacy = verdict.legacy > 0 ? ` (the first ${verdict.legacy} with the unkeyed legacy hash)` : '';
    const anchored = anchor ? `, anchored head ${anchor.id} present` : '';
    console.log(`audit log intact: ${verdict.rows} events${legacy}, every hash and link verified${anchored}`);
    return 0;
  }
  console.error(`audit log BROKEN at event ${verdict.brokenAt}: ${verdict.reason}`);
  return 1;
}

/** Records the head now; the workers post it in the audit channel (or the reconciler, if Redis is down now). */
async function anchorAudit(): Promise<number> {
  const settings = loadAuditConfig();
  const db = createDb(settings.DATABASE_URL);
  const redis = new Redis(settings.REDIS_URL, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined); // a Redis that is down is reported below, once
  const queues = new JobQueues(redis, settings.REDIS_PREFIX, createLogger({ level: 'silent', pretty: false }));
  let queued = true;
  const announcements = {
    postAudit: async (ids: readonly bigint[]) => {
      queued = await withTimeout(
        queues.postAudit(ids).then(() => true),
        5000,
        false,
      );
    },
  };
  try {
    const anchored = await anchorAuditChain({
      requests: new PrismaRequestStore(db, new AuditChain(auditKeyOf(settings))),
      announcements,
    })();
    if (!anchored) {
      console.log('nothing to anchor: the audit log is empty, or its last event is already an anchor');
      return 0;
    }
    const posting = queued ? 'queued for the audit channel' : 'not queued (Redis unreachable): the reconciler posts it';
    console.log(`audit anchor ${anchored.text} recorded as event ${anchored.eventId}, ${posting}`);
    return 0;
  } finally {
    await queues.close().catch(() => undefined);
    redis.disconnect();
    await db.$disconnect();
  }
}

const AUDIT_USAGE =
  'Usage: prod-access audit [--request N] [--from T] [--to T] | audit export --format jsonl|ocsf | audit verify [--anchor ID:COUNT:HASH] | audit anchor';

async function printAudit(args: string[]): Promise<number> {
  if (args[0] === 'export') return exportAudit(args.slice(1));
  let command;
  try {
    command = parseAuditArgs(args);
  } catch (e) {
    console.error(`${isProdAccessError(e) ? e.message : (e as Error).message}\n${AUDIT_USAGE}`);
    return 2;
  }
  if (command.kind === 'verify') return verifyAudit(command.anchor);
  if (command.kind === 'anchor') return anchorAudit();
  return listAudit(command.values);
}

const AUDIT_FILTERS = { request: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } } as const;

function parseAuditArgs(args: string[]) {
  if (args[0] === 'verify') {
    const { values } = parseArgs({ args: args.slice(1), options: { anchor: { type: 'string' } } });
    return { kind: 'verify' as const, anchor: values.anchor === undefined ? undefined : parseAnchor(values.anchor) };
  }
  if (args[0] === 'anchor') {
    parseArgs({ args: args.slice(1), options: {} });
    return { kind: 'anchor' as const };
  }
  const { values } = parseArgs({ args, options: AUDIT_FILTERS });
  return { kind: 'list' as const, values };
}

function auditQueryOf(values: { request?: string; from?: string; to?: string }): AuditQuery {
  const requestId = values.request === undefined ? undefined : Number(values.request.replace(/^#/, ''));
  const from = values.from === undefined ? undefined : new Date(values.from);
  const to = values.to === undefined ? undefined : new Date(values.to);
  if ((requestId !== undefined && !Number.isInteger(requestId)) || [from, to].some((d) => d && Number.isNaN(d.getTime()))) {
    throw new UserError('INVALID_COMMAND', '--request takes a request id; --from and --to take ISO dates like 2026-11-29T08:00:00Z');
  }
  return { requestId, from, to };
}

async function listAudit(values: { request?: string; from?: string; to?: string }): Promise<number> {
  let query;
  try {
    query = auditQueryOf(values);
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  await withAuditLog(async (audit) => {
    for await (const event of audit.list(query)) {
      process.stdout.write(`${JSON.stringify({ ...event, id: event.id.toString() })}\n`);
    }
  });
  return 0;
}

const REPORT_USAGE = 'Usage: prod-access report --from T --to T [--resource R] [--format markdown|csv|json]';

async function printReport(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        resource: { type: 'string' },
        format: { type: 'string', default: 'markdown' },
      },
    }));
  } catch (e) {
    console.error(`${(e as Error).message}\n${REPORT_USAGE}`);
    return 2;
  }
  const from = new Date(values.from ?? NaN);
  const to = new Date(values.to ?? NaN);
  const format = values.format as ReportFormat;
  const usage = (problem: string) => {
    console.error(`${problem}\n${REPORT_USAGE}`);
    return 2;
  };
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()))
    return usage('--from and --to are needed, as ISO dates like 2026-11-01T00:00:00Z');
  if (from >= to) return usage('--to must be later than --from');
  if (!REPORT_FORMATS.includes(format)) return usage(`--format must be one of ${REPORT_FORMATS.join(', ')}`);
  const settings = loadReportConfig();
  const catalog = loadCatalog(settings.PROD_ACCESS_CATALOG);
  const resourceId = values.resource ?? null;
  if (resourceId !== null && !findResource(catalog, resourceId))
    return usage(`--resource: no resource "${resourceId}" in the catalog (${catalog.resources.map((r) => r.id).join(', ')})`);
  const db = createDb(settings.DATABASE_URL);
  try {
    const report = await buildAccessReport({ reviews: new PrismaAccessReport(db), clock: systemClock, catalog })({ from, to, resourceId });
    process.stdout.write(formatReport(report, format));
    return 0;
  } catch (e) {
    // The database down or refusing: one line, never the driver's stack.
    console.error(`cannot read the report from the database: ${causeOf(e)}`);
    return 1;
  } finally {
    await db.$disconnect();
  }
}

const EXPORT_USAGE = 'usage: prod-access audit export --format jsonl|ocsf [--from T] [--to T] [--request N]';

/** Streams the log to stdout a page at a time; every problem is one line on stderr. */
async function exportAudit(args: string[]): Promise<number> {
  let format: ExportFormat;
  let query: AuditQuery;
  try {
    const { values } = parseArgs({ args, options: { format: { type: 'string' }, ...AUDIT_FILTERS } });
    if (!EXPORT_FORMATS.includes(values.format as ExportFormat)) {
      throw new UserError('INVALID_COMMAND', values.format === undefined ? '--format is required' : `unknown format "${values.format}"`);
    }
    format = values.format as ExportFormat;
    query = auditQueryOf(values);
  } catch (e) {
    console.error(`${(e as Error).message}; ${EXPORT_USAGE}`);
    return 2;
  }
  // A reader that stops early (`| head`) ends the export, quietly.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') console.error(`audit export failed: ${e.message}`);
    process.exit(e.code === 'EPIPE' ? 0 : 1);
  });
  const lineOf = format === 'ocsf' ? toOcsf : toJsonLine;
  try {
    await withAuditLog(async (audit) => {
      for await (const event of audit.exportable(query)) {
        // Waits for a slow reader, so memory stays at one page.
        if (!process.stdout.write(`${JSON.stringify(lineOf(event))}\n`)) await once(process.stdout, 'drain');
      }
    });
  } catch (e) {
    console.error(`audit export failed: ${isProdAccessError(e) ? e.message : causeOf(e)}`);
    return 1;
  }
  return 0;
}

/** The line of a database error that names the cause: Prisma puts it last, as "… Message: `…`". */
function causeOf(error: unknown): string {
  const last =
    String(error instanceof Error ? error.message : error)
      .trim()
      .split('\n')
      .pop() ?? '';
  return /Message: `(.+)`$/.exec(last)?.[1] ?? last;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // One clear line per problem, never a stack trace, for anything a person can fix.
    console.error(isProdAccessError(error) ? error.message : error);
    process.exit(1);
  },
);
