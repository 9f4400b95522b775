#!/usr/bin/env node
'use strict';
/*
 * Offline stand-in for Prisma's `schema-engine` executable.
 *
 * Prisma 7's CLI downloads a native schema-engine binary before every migrate/db
 * command unless PRISMA_SCHEMA_ENGINE_BINARY names an existing executable. This
 * script is that executable: it speaks the binary's protocol (newline-delimited
 * JSON-RPC 2.0 on stdin/stdout, plus the `cli <command>` one-shot mode) and runs
 * the WebAssembly schema engine from @prisma/schema-engine-wasm on top of
 * @prisma/adapter-pg.
 *
 *   PRISMA_SCHEMA_ENGINE_BINARY=tools/prisma-offline/schema-engine.cjs prisma migrate deploy
 *
 * (prisma.cjs beside it does this, after checking the installed versions are the tested ones; README.md.)
 *
 * stdout is the RPC channel; all logging goes to stderr as JSON lines.
 */

const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const { pathToFileURL } = require('node:url');

const WASM_PKG_DIR = path.dirname(require.resolve('@prisma/schema-engine-wasm'));
const WASM_PKG_VERSION = require(path.join(WASM_PKG_DIR, 'package.json')).version;
// "7.10.0-4.0edf323efd1d98336f3f0a68684b56f689b900d3" -> engine commit hash
const ENGINE_COMMIT = WASM_PKG_VERSION.split('.').pop();

const PG_TYPE_TEXT = 25;
const PG_TYPE_CHAR = 18; // "char" (internal single-byte type)
const PG_TYPE_NAME = 19; // name

// ---------------------------------------------------------------------------
// stderr logging (the CLI parses these lines; keep them one JSON object each)
// ---------------------------------------------------------------------------

function logLine(level, message, extraFields, target) {
  const line = {
    timestamp: new Date().toISOString(),
    level,
    fields: { message: String(message), ...(extraFields || {}) },
    target: target || 'schema_engine_shim',
  };
  try {
    process.stderr.write(JSON.stringify(line) + '\n');
  } catch {
    /* stderr closed: nothing sensible left to do */
  }
}

function engineLog(entry) {
  // The wasm engine hands us either a JSON string or an object; forward as one JSON line.
  if (typeof entry === 'string') {
    const text = entry.replace(/\r?\n/g, ' ').trim();
    if (!text) return;
    try {
      JSON.parse(text);
      process.stderr.write(text + '\n');
    } catch {
      logLine('INFO', text, undefined, 'schema_engine');
    }
    return;
  }
  try {
    process.stderr.write(JSON.stringify(entry) + '\n');
  } catch {
    logLine('INFO', String(entry), undefined, 'schema_engine');
  }
}

// ---------------------------------------------------------------------------
// argument parsing
// ---------------------------------------------------------------------------

function parseArgs(argv) {
  const out = { datamodels: [], datasource: null, previewFeatures: [], cli: null, version: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const takeValue = () => {
      const eq = a.indexOf('=');
      if (a.startsWith('--') && eq > 0) return a.slice(eq + 1);
      i += 1;
      if (i >= argv.length) throw new Error(`Missing value for ${a}`);
      return argv[i];
    };
    if (a === '--version' || a === '-V' || a === '-v') out.version = true;
    else if (a === '--help' || a === '-h') out.help = true;
    else if (a === '--datamodels' || a.startsWith('--datamodels=') || a === '-d') out.datamodels.push(takeValue());
    else if (a === '--datasource' || a.startsWith('--datasource=')) out.datasource = JSON.parse(takeValue());
    else if (a === '--enabled-preview-features' || a.startsWith('--enabled-preview-features=')) {
      out.previewFeatures = takeValue().split(',').filter(Boolean);
    } else if (a === '--extension-types' || a.startsWith('--extension-types=')) takeValue();
    else if (a === 'cli') {
      out.cli = argv.slice(i + 1);
      break;
    } else {
      throw new Error(`Unknown argument: ${a}`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// connection handling
// ---------------------------------------------------------------------------

function assertPostgresUrl(url) {
  if (typeof url !== 'string' || !/^postgres(ql)?:\/\//i.test(url)) {
    const scheme = typeof url === 'string' ? url.split(':')[0] : String(url);
    throw userFacingError(
      'P1013',
      `The provided database string is invalid. This offline schema engine only supports postgresql:// URLs (got \`${scheme}:\`).`,
    );
  }
}

/** Parsed pg connection fields (never a connectionString; see PrismaPg shadow-db defect). */
function pgConfigFromUrl(url) {
  assertPostgresUrl(url);
  const { parse } = require('pg-connection-string');
  const parsed = parse(url);
  const schema = new URL(url).searchParams.get('schema') || undefined;
  const config = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (v === undefined || v === null) continue;
    if (k === 'schema' || k === 'connection_limit' || k === 'pool_timeout' || k === 'socket_timeout') continue;
    config[k] = v;
  }
  if (config.port !== undefined) config.port = Number(config.port);
  if (!config.database) config.database = config.user || 'postgres';
  return { config, schema };
}

function describeServer(config) {
  return `${config.host || 'localhost'}:${config.port || 5432}`;
}

/** Map a node-postgres connection error to the Prisma error code the CLI understands. */
function pgErrorToUserFacing(err, config) {
  const server = describeServer(config);
  const code = err && err.code;
  if (code === '3D000') {
    return {
      error_code: 'P1003',
      message: `Database \`${config.database}\` does not exist on the database server at \`${server}\`.`,
      meta: { database_name: config.database, database_host: config.host, database_port: config.port },
    };
  }
  if (code === '28P01' || code === '28000') {
    return {
      error_code: 'P1000',
      message: `Authentication failed against database server at \`${server}\`, the provided database credentials for \`${config.user}\` are not valid.`,
      meta: { database_user: config.user, database_host: config.host },
    };
  }
  if (code === '42P04') {
    return {
      error_code: 'P1009',
      message: `Database \`${config.database}\` already exists on the database server at \`${server}\``,
      meta: { database_name: config.database },
    };
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'ETIMEDOUT' || code === 'ECONNRESET') {
    return {
      error_code: 'P1001',
      message: `Can't reach database server at \`${server}\`\n\nPlease make sure your database server is running at \`${server}\`.`,
      meta: { database_host: config.host, database_port: config.port },
    };
  }
  return {
    error_code: 'P1000',
    message: `Database error: ${err && err.message ? err.message : String(err)}`,
    meta: {},
  };
}

function quoteIdent(name) {
  return '"' + String(name).replace(/"/g, '""') + '"';
}

async function withClient(config, fn) {
  const { Client } = require('pg');
  const client = new Client(config);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

async function withMaintenanceClient(config, fn) {
  // Connect to the `postgres` maintenance database; fall back to template1.
  try {
    return await withClient({ ...config, database: 'postgres' }, fn);
  } catch (err) {
    if (err && err.code === '3D000') return withClient({ ...config, database: 'template1' }, fn);
    throw err;
  }
}

// ---------------------------------------------------------------------------
// `cli <command>` mode: can-connect-to-database | create-database | drop-database
// ---------------------------------------------------------------------------

async function runCliCommand(args, datasource) {
  // The CLI drops the first stderr line before parsing the rest as JSON lines.
  logLine('INFO', `Starting schema engine CLI (offline wasm shim, ${ENGINE_COMMIT})`, undefined, 'schema_engine_cli');
  const command = args[0];
  const url = datasource && datasource.url;
  let config;
  try {
    if (!url) throw userFacingError('P1012', 'No datasource URL was provided (--datasource \'{"url": ...}\').');
    config = pgConfigFromUrl(url).config;
    switch (command) {
      case 'can-connect-to-database':
        await withClient(config, (c) => c.query('SELECT 1'));
        return 0;
      case 'create-database':
        await withMaintenanceClient(config, (c) => c.query(`CREATE DATABASE ${quoteIdent(config.database)}`));
        process.stdout.write(`Database '${config.database}' was successfully created.\n`);
        return 0;
      case 'drop-database':
        await withMaintenanceClient(config, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(config.database)}`));
        process.stdout.write(`The database was successfully dropped.\n`);
        return 0;
      default:
        throw userFacingError('P1000', `Unknown cli command: ${command}`);
    }
  } catch (err) {
    const fields = err && err.userFacing ? err.userFacing : pgErrorToUserFacing(err, config || {});
    logLine('ERROR', fields.message, { error_code: fields.error_code }, 'schema_engine::logger');
    return 1;
  }
}

function userFacingError(code, message, meta) {
  const err = new Error(message);
  err.userFacing = { error_code: code, message, meta: meta || {} };
  return err;
}

// ---------------------------------------------------------------------------
// PrismaPg with workarounds for @prisma/adapter-pg 7.10 defects
// ---------------------------------------------------------------------------

/** Errors thrown by JS adapter code surface from the engine as "External error id#N". */
const adapterErrorRegistry = { value: null };

/** The last PostgreSQL error seen by executeScript (for readable migration errors). */
const lastDriverError = { value: null };

function makeAdapterFactory(url, shadowDatabaseUrl) {
  const { PrismaPg } = require('@prisma/adapter-pg');
  const { config, schema } = pgConfigFromUrl(url);
  const pgOptions = schema ? { schema } : undefined;

  const patchAdapter = (adapter) => {
    // (a) internal types "char" (18) and name (19) come back from introspection
    // queries; present them as text. pg already returns their values as strings.
    let proto = Object.getPrototypeOf(adapter);
    while (proto && !Object.prototype.hasOwnProperty.call(proto, 'performIO')) proto = Object.getPrototypeOf(proto);
    if (proto && !proto.__shimPatched) {
      const original = proto.performIO;
      proto.performIO = async function performIOWithTextInternals(query) {
        const result = await original.call(this, query);
        if (result && Array.isArray(result.fields)) {
          for (const field of result.fields) {
            if (field.dataTypeID === PG_TYPE_CHAR || field.dataTypeID === PG_TYPE_NAME) field.dataTypeID = PG_TYPE_TEXT;
          }
        }
        return result;
      };
      proto.__shimPatched = true;
    }
    // The stock executeScript splits on ';', which breaks function bodies, DO blocks
    // and string literals. Send the whole script as one simple-protocol query instead
    // (that is what the native engine does).
    adapter.executeScript = async function executeWholeScript(script) {
      try {
        await this.client.query(script);
      } catch (error) {
        // Keep the original PostgreSQL error: the adapter's conversion loses its text.
        lastDriverError.value = { code: error && error.code, message: error && error.message };
        this.onError(error);
      }
    };
    return adapter;
  };

  class ShimPrismaPg extends PrismaPg {
    async connect() {
      return patchAdapter(await super.connect());
    }

    async connectToShadowDb() {
      if (shadowDatabaseUrl) {
        // Explicit shadow database. The native engine wipes it before use; the wasm
        // engine does not, so do it here (after making sure it is not the main db).
        const shadow = pgConfigFromUrl(shadowDatabaseUrl);
        const same = (a, b) => String(a || '') === String(b || '');
        if (
          same(shadow.config.host, config.host) &&
          same(shadow.config.port || 5432, config.port || 5432) &&
          same(shadow.config.database, config.database)
        ) {
          throw userFacingError(
            'P3014',
            'The shadow database you configured appears to be the same as the main database. Please specify another shadow database.',
          );
        }
        await withClient(shadow.config, async (c) => {
          const { rows } = await c.query(
            "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' ESCAPE '\\' AND nspname <> 'information_schema'",
          );
          for (const { nspname } of rows) await c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(nspname)} CASCADE`);
          await c.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(shadow.schema || 'public')}`);
        });
        return patchAdapter(await new PrismaPg(shadow.config, shadow.schema ? { schema: shadow.schema } : undefined).connect());
      }
      // (b) use parsed fields so `database` really points at the shadow db, and
      // (c) close the shadow pool before dropping the database.
      const main = await this.connect();
      const database = `prisma_migrate_shadow_db_${globalThis.crypto.randomUUID()}`;
      try {
        await main.executeScript(`CREATE DATABASE ${quoteIdent(database)}`);
      } catch (err) {
        await main.dispose().catch(() => {});
        throw err;
      }
      const shadowAdapter = patchAdapter(await new PrismaPg({ ...config, database }, pgOptions).connect());
      const closeShadowPool = shadowAdapter.dispose.bind(shadowAdapter);
      let disposed = false;
      shadowAdapter.dispose = async () => {
        if (disposed) return;
        disposed = true;
        try {
          await closeShadowPool();
          await main.executeScript(`DROP DATABASE IF EXISTS ${quoteIdent(database)}`);
        } finally {
          await main.dispose().catch(() => {});
        }
      };
      return shadowAdapter;
    }
  }

  return new ShimPrismaPg(config, pgOptions);
}

// ---------------------------------------------------------------------------
// wasm engine
// ---------------------------------------------------------------------------

class PanicRegistry {
  constructor() {
    this.message = '';
  }
  get() {
    return `${this.message}`;
  }
  set_message(value) {
    this.message = `RuntimeError: ${value}`;
  }
}

async function loadWasmModule() {
  globalThis.PRISMA_WASM_PANIC_REGISTRY = globalThis.PRISMA_WASM_PANIC_REGISTRY || new PanicRegistry();
  const bg = await import(pathToFileURL(path.join(WASM_PKG_DIR, 'schema_engine_bg.js')).href);
  const bytes = fs.readFileSync(path.join(WASM_PKG_DIR, 'schema_engine_bg.wasm'));
  const module = new WebAssembly.Module(bytes);
  const instance = new WebAssembly.Instance(module, { './schema_engine_bg.js': bg });
  bg.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();
  return bg;
}

// ---------------------------------------------------------------------------
// JSON-RPC server
// ---------------------------------------------------------------------------

/** CLI method name -> wasm engine method name (identity unless listed). */
const METHOD_ALIASES = {
  getDatabaseVersion: 'version',
};

const WASM_METHODS = new Set([
  'applyMigrations',
  'createMigration',
  'dbExecute',
  'debugPanic',
  'devDiagnostic',
  'diagnoseMigrationHistory',
  'diff',
  'ensureConnectionValidity',
  'evaluateDataLoss',
  'introspect',
  'introspectSql',
  'markMigrationApplied',
  'markMigrationRolledBack',
  'reset',
  'schemaPush',
  'version',
]);

const NEEDS_MIGRATION_CACHE = new Set(['evaluateDataLoss', 'createMigration']);

function isMissingShadowFactoryError(err) {
  const text = err && typeof err === 'object' ? `${err.message || ''}` : String(err);
  return text.includes('shadow DB must be provided through an external factory');
}

function rpcError(data) {
  return { code: 4466, message: 'An error happened. Check the data field for details.', data };
}

/** Drop the tracing span trace ("   0: schema_commands::...") the wasm engine appends to messages. */
function stripSpanTrace(message) {
  const lines = String(message).split('\n');
  const idx = lines.findIndex((l) => /^\s*\d+: [\w:]+/.test(l));
  return (idx >= 0 ? lines.slice(0, idx) : lines).join('\n').trimEnd();
}

/** An error we raised ourselves (userFacingError), as the CLI shows a known Prisma error. */
function userFacingRpcError({ message, meta, error_code }) {
  return rpcError({ is_panic: false, message, meta, error_code });
}

function errorToRpc(err, method) {
  // Panics: the wasm instance traps (RuntimeError) after recording a message.
  const isTrap = err instanceof WebAssembly.RuntimeError || (err && err.name === 'RuntimeError');
  if (isTrap) {
    const msg = (globalThis.PRISMA_WASM_PANIC_REGISTRY && globalThis.PRISMA_WASM_PANIC_REGISTRY.get()) || String(err && err.message);
    return rpcError({ is_panic: true, message: msg, backtrace: err && err.stack, error: { message: msg } });
  }
  if (err && err.userFacing) return userFacingRpcError(err.userFacing);
  // The wasm engine rejects with `SchemaConnectorError`s: { message, code? } where code
  // is the user-facing Prisma error code (P1012, P3011, ...) when there is one.
  const rawMessage = err && typeof err === 'object' && err.message !== undefined ? String(err.message) : String(err);
  let message = stripSpanTrace(rawMessage);
  let errorCode = err && typeof err === 'object' && typeof err.code === 'string' && /^P\d{4}$/.test(err.code) ? err.code : undefined;
  const meta = {};

  // Errors thrown in our adapter code (e.g. the shadow-database guard) come back as an
  // opaque "External error id#N"; resolve them from the adapter's error registry.
  const external = /External error id#(\d+)/.exec(rawMessage);
  const registry = adapterErrorRegistry.value;
  if (external && registry && typeof registry.consumeError === 'function') {
    const entry = registry.consumeError(Number(external[1]));
    const jsErr = entry && entry.error;
    if (jsErr && jsErr.userFacing) return userFacingRpcError(jsErr.userFacing);
    if (jsErr) message = message.replace(external[0], jsErr.message || String(jsErr));
  }

  // A failing migration script: present it like the native engine's P3018.
  const failedMigration = /migration_name="([^"]+)"/.exec(rawMessage);
  if (!errorCode && method === 'applyMigrations' && failedMigration) {
    const dbErr = err && err.driverError;
    const detail = dbErr
      ? `${dbErr.code ? `Database error code: ${dbErr.code}\n\n` : ''}Database error:\nERROR: ${dbErr.message}`
      : `Database error:\n${message}`;
    errorCode = 'P3018';
    meta.migration_name = failedMigration[1];
    message =
      'A migration failed to apply. New migrations cannot be applied before the error is recovered from. ' +
      'Read more about how to resolve migration issues in a production database: https://pris.ly/d/migrate-resolve\n\n' +
      `Migration name: ${failedMigration[1]}\n\n${detail}`;
  } else if (err && err.driverError && /external connector error/.test(message)) {
    const dbErr = err.driverError;
    message = `${message}\n\nDatabase error${dbErr.code ? ` (${dbErr.code})` : ''}: ${dbErr.message}`;
  }
  return rpcError({ is_panic: false, message, meta, ...(errorCode ? { error_code: errorCode } : {}) });
}

async function serve(opts) {
  const datasource = opts.datasource || {};
  const cwd = process.cwd();
  const datamodelsFromArgs = opts.datamodels.map((p) => {
    const abs = path.resolve(cwd, p);
    return [p, fs.readFileSync(abs, 'utf8')];
  });

  let outgoingId = 1;
  const pendingOutgoing = new Map();
  const send = (msg) =>
    new Promise((resolve) => {
      process.stdout.write(JSON.stringify(msg) + '\n', () => resolve());
    });

  /** Ask the CLI to print text (what the native engine does for `migrate diff`). */
  const printViaCli = (content) =>
    new Promise((resolve) => {
      const id = `shim-print-${outgoingId++}`;
      pendingOutgoing.set(id, resolve);
      send({ jsonrpc: '2.0', id, method: 'print', params: { content } });
    });

  let enginePromise = null;
  let poisoned = null;
  const getEngine = (firstParams) => {
    if (!enginePromise) {
      enginePromise = (async () => {
        // The wasm engine panics ("validate_multi_file() must be called with at least
        // one file") on some commands when built without datamodels, and the CLI
        // starts the engine without --datamodels for `migrate diff`. Fall back to the
        // schema files in the first request, else to a minimal postgresql datasource.
        const datamodels = datamodelsFromArgs.length > 0 ? datamodelsFromArgs : fallbackDatamodels(firstParams);
        const bg = await loadWasmModule();
        if (!datasource.url) throw userFacingError('P1012', 'No datasource URL was provided to the schema engine (--datasource).');
        const { bindMigrationAwareSqlAdapterFactory } = require('@prisma/driver-adapter-utils');
        const adapter = bindMigrationAwareSqlAdapterFactory(makeAdapterFactory(datasource.url, datasource.shadowDatabaseUrl));
        adapterErrorRegistry.value = adapter.errorRegistry;
        return bg.SchemaEngine.new({ datamodels }, engineLog, adapter);
      })();
    }
    return enginePromise;
  };

  const handle = async (req) => {
    const { method } = req;
    const params = req.params === undefined || req.params === null ? {} : req.params;
    if (poisoned) throw poisoned;
    if (method === 'createDatabase') {
      const { config } = pgConfigFromUrl(resolveDatasourceUrl(params.datasource, datasource));
      try {
        await withMaintenanceClient(config, (c) => c.query(`CREATE DATABASE ${quoteIdent(config.database)}`));
      } catch (err) {
        const uf = pgErrorToUserFacing(err, config);
        throw userFacingError(uf.error_code, uf.message, uf.meta);
      }
      return { databaseName: config.database };
    }
    const wasmMethod = METHOD_ALIASES[method] || method;
    if (!WASM_METHODS.has(wasmMethod)) {
      throw userFacingError('P1000', `The offline schema engine does not support the \`${method}\` method.`);
    }
    const engine = await getEngine(params);
    let result;
    try {
      try {
        result = await engine[wasmMethod](wasmMethod === 'debugPanic' ? undefined : params);
      } catch (err) {
        if (!(NEEDS_MIGRATION_CACHE.has(wasmMethod) && isMissingShadowFactoryError(err) && params.migrationsList)) throw err;
        // The wasm engine only reaches the shadow database (through the adapter
        // factory) from diagnoseMigrationHistory/devDiagnostic, which cache the schema
        // of the *applied* migrations. evaluateDataLoss/createMigration look that
        // cache up by the full migrations list and fail on a miss. Warm the cache
        // (all migrations are applied at this point of `migrate dev`) and retry.
        logLine('INFO', `${wasmMethod}: warming the migration schema cache through the shadow database`);
        await engine.diagnoseMigrationHistory({
          migrationsList: params.migrationsList,
          optInToShadowDatabase: true,
          filters: params.filters || { externalTables: [], externalEnums: [] },
        });
        result = await engine[wasmMethod](params);
      }
    } catch (err) {
      if (err instanceof WebAssembly.RuntimeError) poisoned = err;
      if (err && typeof err === 'object' && lastDriverError.value) err.driverError = lastDriverError.value;
      throw err;
    } finally {
      lastDriverError.value = null;
    }
    if (wasmMethod === 'diff' && result && typeof result.stdout === 'string') {
      // The native engine prints the diff through the CLI and returns stdout: null.
      const text = result.stdout.replace(/\n$/, '');
      if (text.length > 0) await printViaCli(text);
      result = { ...result, stdout: null };
    }
    return result === undefined ? {} : result;
  };

  const inFlight = new Set();
  const inFlightRequests = new Map();
  // A wasm panic can surface as an uncaught trap outside our promise chain. Answer
  // every open request with a panic error (the CLI shows it), then exit like the
  // native engine does on panic.
  process.on('uncaughtException', (err) => {
    const trap = err instanceof WebAssembly.RuntimeError || (err && err.name === 'RuntimeError');
    logLine(
      'ERROR',
      err && err.stack ? err.stack : String(err),
      trap ? { panic: globalThis.PRISMA_WASM_PANIC_REGISTRY && globalThis.PRISMA_WASM_PANIC_REGISTRY.get() } : undefined,
    );
    const writes = [];
    for (const [id, method] of inFlightRequests) {
      writes.push(
        send({
          jsonrpc: '2.0',
          id,
          error: errorToRpc(trap ? err : Object.assign(new Error(String(err && err.message)), {}), method),
        }),
      );
    }
    Promise.allSettled(writes).then(() => process.exit(trap ? 101 : 1));
  });
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  rl.on('line', (line) => {
    if (!line.trim()) return;
    let msg;
    try {
      msg = JSON.parse(line);
    } catch (err) {
      send({ jsonrpc: '2.0', id: null, error: { code: -32700, message: `Parse error: ${err.message}` } });
      return;
    }
    if (msg.method === undefined && msg.id !== undefined && pendingOutgoing.has(msg.id)) {
      const resolve = pendingOutgoing.get(msg.id);
      pendingOutgoing.delete(msg.id);
      resolve(msg);
      return;
    }
    if (typeof msg.method !== 'string') return;
    if (msg.id !== undefined) inFlightRequests.set(msg.id, msg.method);
    const p = (async () => {
      try {
        const result = await handle(msg);
        if (msg.id !== undefined) await send({ jsonrpc: '2.0', id: msg.id, result });
      } catch (err) {
        logLine('ERROR', err && err.message ? err.message : String(err), { method: msg.method }, 'schema_engine_shim');
        if (msg.id !== undefined) await send({ jsonrpc: '2.0', id: msg.id, error: errorToRpc(err, msg.method) });
      }
    })();
    inFlight.add(p);
    p.finally(() => {
      inFlight.delete(p);
      inFlightRequests.delete(msg.id);
    });
  });

  await new Promise((resolve) => rl.on('close', resolve));
  // Nobody is left to answer our `print` requests.
  for (const resolve of pendingOutgoing.values()) resolve(null);
  pendingOutgoing.clear();
  while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  // Release connection pools held by the engine's adapter before exiting.
  if (enginePromise) {
    try {
      const engine = await enginePromise;
      if (engine && typeof engine.free === 'function' && !poisoned) engine.free();
    } catch {
      /* engine never came up */
    }
  }
  return 0;
}

function fallbackDatamodels(params) {
  const files = [];
  const collect = (container) => {
    if (container && Array.isArray(container.files)) {
      for (const f of container.files) if (f && typeof f.content === 'string') files.push([f.path || 'schema.prisma', f.content]);
    }
  };
  if (params) {
    collect(params.schema);
    collect(params.to);
    if (files.length === 0) collect(params.from);
  }
  if (files.length > 0) return files;
  return [['schema.prisma', 'datasource db {\n  provider = "postgresql"\n}\n']];
}

function resolveDatasourceUrl(param, fallback) {
  if (param && param.tag === 'ConnectionString' && param.url) return param.url;
  return fallback && fallback.url;
}

// ---------------------------------------------------------------------------
// main
// ---------------------------------------------------------------------------

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    logLine('ERROR', err.message);
    return 1;
  }
  if (opts.version) {
    process.stdout.write(`schema-engine-cli ${ENGINE_COMMIT}\n`);
    return 0;
  }
  if (opts.help) {
    process.stdout.write(
      'schema-engine.cjs: offline schema-engine (wasm) for the Prisma CLI\n' +
        'Usage: schema-engine.cjs [--datamodels <path>]... [--datasource <json>] [cli can-connect-to-database|create-database|drop-database]\n',
    );
    return 0;
  }
  if (opts.cli) return runCliCommand(opts.cli, opts.datasource);
  return serve(opts);
}

process.on('unhandledRejection', (err) => {
  logLine('ERROR', `Unhandled rejection: ${err && err.stack ? err.stack : String(err)}`);
});

main().then(
  (code) => {
    process.exitCode = code;
    // Pools may keep sockets open; the protocol is finished, so leave now.
    setImmediate(() => process.exit(code));
  },
  (err) => {
    logLine('ERROR', err && err.stack ? err.stack : String(err));
    process.exit(1);
  },
);
