import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { checkConnections, loadCatalog, loadCatalogFile } from './catalog/load';
import { buildAccessReport } from '../app/access-report';
import { systemClock } from '../app/ports';
import { PrismaAccessReport } from '../db/access-report';
import { formatReport, REPORT_FORMATS, type ReportFormat } from '../domain/access-report-output';
import { anchorAuditChain } from '../app/audit-anchor';
import { resolveRevokeFailure } from '../app/revoke-failed';
import {
  auditKeyOf,
  type Config,
  loadAuditConfig,
  loadConfig,
  loadDatabaseConfig,
  loadEnvFiles,
  loadReportConfig,
  loadResolveConfig,
} from './config';
import { type AuditQuery, PrismaAuditLog } from '../db/audit-log';
import { AuditChain } from '../db/audit-chain';
import { createDb } from '../db/client';
import { openRedis } from './redis';
import { PrismaRequestStore } from '../db/request-store';
import { JobQueues } from '../jobs/queues';
import { parseAnchor } from '../domain/audit-anchor';
import { EXPORT_FORMATS, type ExportFormat, toJsonLine, toOcsf } from '../domain/audit-export';
import { catalogNotes, findResource } from '../domain/catalog';
import { createProviderFactory } from '../providers/registry';
import { isProdAccessError, UserError } from '../domain/errors';
import { causeOf } from '../shared/cause';
import { createLogger, flushLogs, type Logger } from '../shared/logger';
import { type Role, ROLES, runUntilSignal, startRuntime } from './lifecycle';
import { withTimeout } from '../shared/timeout';

/** A command: its usage (printed by -h and named after a mistake) and what it runs; a group has subcommands. */
interface Command {
  usage: string;
  run(args: string[]): Promise<number>;
  commands?: Record<string, Command>;
}

/**
 * A command with subcommands: `-h` prints every subcommand's usage; `fallback` runs when the first
 * argument is not a subcommand's name (an option, or nothing).
 */
function group(name: string, commands: Record<string, Command>, fallback?: Command): Command {
  const usage = [...new Set([fallback, ...Object.values(commands)].filter((c) => c !== undefined).map((c) => c.usage))].join('\n');
  return {
    usage,
    commands,
    run: (args) => {
      const [first] = args;
      if (first === '-h' || first === '--help') return help(usage);
      const named = first !== undefined && !first.startsWith('-');
      const command = named ? commands[first] : fallback;
      if (!command) throw usageError(named ? `unknown command "${first}"` : 'a subcommand is needed', name);
      return runCommand(command, named ? args.slice(1) : args);
    },
  };
}

/** A group reads only its first argument (the rest are its subcommand's); any other command prints its usage for -h. */
function runCommand(command: Command, args: string[]): Promise<number> {
  if (!command.commands && (args.includes('-h') || args.includes('--help'))) return help(command.usage);
  return command.run(args);
}

async function help(usage: string): Promise<number> {
  console.log(`Usage:\n${usage}`);
  return 0;
}

/** A mistake in the command line: exit 2, one line that says where the usage is. */
function usageError(problem: string, command: string): UserError {
  return new UserError('INVALID_COMMAND', `${problem}; see \`${`prod-access ${command}`.trim()} --help\``);
}

/**
 * parseArgs, strict, its mistakes as usage errors: the first sentence of node's message names the problem
 * ("Unknown option '--bogus'", "Option '--request <value>' argument missing"). At most `positionals` arguments.
 */
function parseCommand<O extends NonNullable<ParseArgsConfig['options']>>(command: string, args: string[], options: O, positionals = 0) {
  let parsed;
  try {
    parsed = parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>({
      args,
      options,
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw usageError((e as Error).message.split('. ')[0]!, command);
  }
  const extra = parsed.positionals[positionals];
  if (extra !== undefined) throw usageError(`unexpected argument "${extra}"`, command);
  return parsed;
}

const COMMANDS: Record<string, Command> = {
  start: {
    usage: '  prod-access [start] [web|worker|all]         run prod-access (default: all)',
    run: (args) => {
      const { positionals } = parseCommand('start', args, {}, 1);
      return start((positionals[0] ?? 'all') as Role);
    },
  },
  catalog: group('catalog', {
    validate: {
      usage: `  prod-access catalog validate [--connect] <file>   check a catalog and print every problem;
                                               --connect also tries each provider and each level's target`,
      run: validateCatalog,
    },
  }),
  audit: group(
    'audit',
    {
      export: {
        usage: `  prod-access audit export --format jsonl|ocsf [--from T] [--to T] [--request N]
                                               the audit log for a SIEM: JSON lines, or OCSF 1.1 events`,
        run: exportAudit,
      },
      verify: {
        usage: `  prod-access audit verify [--anchor ID:COUNT:HASH]   check the audit chain (and that the anchored head
                                               is still there, with every event up to it)`,
        run: verifyAudit,
      },
      anchor: {
        usage: '  prod-access audit anchor                     record the chain head and post it in the audit channel',
        run: anchorAudit,
      },
    },
    {
      usage: '  prod-access audit [--request N] [--from T] [--to T]   print audit events as JSON lines',
      run: listAudit,
    },
  ),
  request: group('request', {
    resolve: {
      usage: `  prod-access request resolve <id> --reason "…" [--by NAME]
                                               end a REVOKE_FAILED request whose access was removed by hand
                                               (read back from the target first; by NAME, else the OS user)`,
      run: resolveRequest,
    },
  }),
  report: {
    usage: `  prod-access report --from T --to T [--resource R] [--format markdown|csv|json]
                                               who held access in a window, and its unusual patterns`,
    run: printReport,
  },
};

/** Every command; with none, or only options, `start`. */
const PROD_ACCESS = group('', COMMANDS, COMMANDS.start);

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--version' || argv[0] === '-v') {
    console.log(packageVersion());
    return 0;
  }
  if (argv[0] === 'help') return help(PROD_ACCESS.usage);
  loadEnvFiles();
  // `prod-access web` is `prod-access start web`.
  return runCommand(PROD_ACCESS, ROLES.includes(argv[0] as Role) ? ['start', ...argv] : argv);
}

function packageVersion(): string {
  // src/main or dist/main: package.json is two folders up in both.
  return (JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;
}

async function start(role: Role): Promise<number> {
  if (!ROLES.includes(role)) throw usageError(`unknown role "${role}", not one of ${ROLES.join(', ')}`, 'start');
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
  const { values, positionals } = parseCommand('catalog validate', args, { connect: { type: 'boolean', default: false } }, 1);
  const [file] = positionals;
  if (!file) throw usageError('the catalog file is missing', 'catalog validate');
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

async function verifyAudit(args: string[]): Promise<number> {
  const { values } = parseCommand('audit verify', args, { anchor: { type: 'string' } });
  const anchor = values.anchor === undefined ? undefined : parseAnchor(values.anchor);
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

type CommandAnnouncements = Pick<JobQueues, 'syncApprovalMessage' | 'postAudit' | 'refreshHomes' | 'clearSecret'>;

/**
 * For a command that records a change the workers announce: the database, and the queues with each ask
 * bounded to 5 s; `queued()` is false when one did not reach Redis (the reconciler sends it later).
 */
async function withStoreAndQueues<T>(
  settings: ReturnType<typeof loadAuditConfig>,
  work: (requests: PrismaRequestStore, announcements: CommandAnnouncements, queued: () => boolean) => Promise<T>,
): Promise<T> {
  const db = createDb(settings.DATABASE_URL);
  const redis = openRedis(settings, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined); // a Redis that is down is reported by the command, once
  // Silent: the command prints its own line about what it recorded, where a JSON log line would be noise.
  const logger = createLogger({ level: 'silent', pretty: false });
  const queues = new JobQueues(redis, settings.REDIS_PREFIX, logger);
  let queued = true;
  const ask = async (sent: Promise<void>) => {
    const reached = await withTimeout(
      sent.then(() => true),
      5000,
      false,
    );
    if (!reached) queued = false;
  };
  const announcements: CommandAnnouncements = {
    syncApprovalMessage: (id, notice) => ask(queues.syncApprovalMessage(id, notice)),
    postAudit: (ids) => ask(queues.postAudit(ids)),
    refreshHomes: (id) => ask(queues.refreshHomes(id)),
    clearSecret: (id) => ask(queues.clearSecret(id)),
  };
  try {
    return await work(new PrismaRequestStore(db, new AuditChain(auditKeyOf(settings)), logger), announcements, () => queued);
  } finally {
    await queues.close().catch(() => undefined);
    redis.disconnect();
    await db.$disconnect();
  }
}

/** Records the head now; the workers post it in the audit channel (or the reconciler, if Redis is down now). */
async function anchorAudit(args: string[]): Promise<number> {
  parseCommand('audit anchor', args, {});
  return withStoreAndQueues(loadAuditConfig(), async (requests, announcements, queued) => {
    const anchored = await anchorAuditChain({ requests, announcements })();
    if (!anchored) {
      console.log('nothing to anchor: the audit log is empty, or its last event is already an anchor');
      return 0;
    }
    const posting = queued() ? 'queued for the audit channel' : 'not queued (Redis unreachable): the reconciler posts it';
    console.log(`audit anchor ${anchored.text} recorded as event ${anchored.eventId}, ${posting}`);
    return 0;
  });
}

/** `request resolve`: ends a REVOKE_FAILED request once its target reads back without the access. */
async function resolveRequest(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand('request resolve', args, { reason: { type: 'string' }, by: { type: 'string' } }, 1);
  const usage = (problem: string) => usageError(problem, 'request resolve');
  const [id] = positionals;
  if (id === undefined || !/^#?\d+$/.test(id)) throw usage(id === undefined ? 'the request id is missing' : `"${id}" is not a request id`);
  const reason = values.reason?.trim();
  if (!reason) throw usage('--reason is needed: why, and what was done by hand');
  const operator = values.by?.trim() || osUser();
  if (!operator) throw usage('cannot tell who you are from the OS: give --by NAME');
  const settings = loadResolveConfig();
  const catalog = loadCatalog(settings.PROD_ACCESS_CATALOG);
  const requestId = Number(id.replace(/^#/, ''));
  return withStoreAndQueues(settings, async (requests, announcements, queued) => {
    const { request } = await resolveRevokeFailure({
      catalog,
      requests,
      providers: createProviderFactory(process.env),
      announcements,
      clock: systemClock,
    })(requestId, { operator, reason });
    const telling = queued()
      ? 'the approval message and the audit channel are being updated'
      : 'not queued (Redis unreachable): the reconciler re-syncs the approval message and the audit channel';
    console.log(`request #${requestId} resolved by ${operator}: the access is gone from the target, now ${request.status}; ${telling}`);
    return 0;
  });
}

/** The OS user running the command, or undefined when the system has none to name (a container without a passwd entry). */
function osUser(): string | undefined {
  try {
    return userInfo().username || undefined;
  } catch {
    return undefined;
  }
}

const AUDIT_FILTERS = { request: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } } as const;

function auditQueryOf(values: { request?: string; from?: string; to?: string }): AuditQuery {
  const requestId = values.request === undefined ? undefined : Number(values.request.replace(/^#/, ''));
  const from = values.from === undefined ? undefined : new Date(values.from);
  const to = values.to === undefined ? undefined : new Date(values.to);
  if ((requestId !== undefined && !Number.isInteger(requestId)) || [from, to].some((d) => d && Number.isNaN(d.getTime()))) {
    throw new UserError('INVALID_COMMAND', '--request takes a request id; --from and --to take ISO dates like 2026-11-29T08:00:00Z');
  }
  return { requestId, from, to };
}

async function listAudit(args: string[]): Promise<number> {
  const query = auditQueryOf(parseCommand('audit', args, AUDIT_FILTERS).values);
  await withAuditLog(async (audit) => {
    for await (const event of audit.list(query)) {
      process.stdout.write(`${JSON.stringify({ ...event, id: event.id.toString() })}\n`);
    }
  });
  return 0;
}

async function printReport(args: string[]): Promise<number> {
  const { values } = parseCommand('report', args, {
    from: { type: 'string' },
    to: { type: 'string' },
    resource: { type: 'string' },
    format: { type: 'string', default: 'markdown' },
  });
  const from = new Date(values.from ?? NaN);
  const to = new Date(values.to ?? NaN);
  const format = values.format as ReportFormat;
  const usage = (problem: string) => usageError(problem, 'report');
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()))
    throw usage('--from and --to are needed, as ISO dates like 2026-11-01T00:00:00Z');
  if (from >= to) throw usage('--to must be later than --from');
  if (!REPORT_FORMATS.includes(format)) throw usage(`--format must be one of ${REPORT_FORMATS.join(', ')}`);
  const settings = loadReportConfig();
  const catalog = loadCatalog(settings.PROD_ACCESS_CATALOG);
  const resourceId = values.resource ?? null;
  if (resourceId !== null && !findResource(catalog, resourceId))
    throw usage(`--resource: no resource "${resourceId}" in the catalog (${catalog.resources.map((r) => r.id).join(', ')})`);
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

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // One line naming the problem, never a stack trace: 2 for a mistake in the command line, 1 for a failure.
    const usage = error instanceof UserError && error.code === 'INVALID_COMMAND';
    console.error(isProdAccessError(error) ? error.message : `prod-access failed: ${causeOf(error)}`);
    process.exit(usage ? 2 : 1);
  },
);
