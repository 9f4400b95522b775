// Counts what a process sends to its servers, as the client sends it: SQL statements through `pg` (the app's
// Prisma adapter and the PostgreSQL provider both use it; BEGIN and COMMIT count as statements), split into
// the app's own database (DATABASE_URL) and any other (a provider's target), and Redis commands through
// ioredis (every command, including those inside a pipeline or MULTI; a round trip is one command sent alone
// or one pipeline). Preloaded into an app process with NODE_OPTIONS=--require, it writes the counts to
// BENCH_COUNTS_DIR/<pid>.json on SIGUSR2; required by the bench itself, `snapshot()` reads them.
const { renameSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const counts = { seq: 0, dbStatements: 0, providerStatements: 0, redisCommands: 0, redisRoundTrips: 0 };
let installed = false;

function install() {
  if (installed) return;
  installed = true;
  const appDatabase = process.env.DATABASE_URL ? decodeURIComponent(new URL(process.env.DATABASE_URL).pathname.slice(1)) : undefined;
  const pg = require('pg');
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function countedQuery(...args) {
    if (this.database === appDatabase) counts.dbStatements++;
    else counts.providerStatements++;
    return query.apply(this, args);
  };
  const { Redis } = require('ioredis');
  const sendCommand = Redis.prototype.sendCommand;
  // A pipeline passes the same writer for each of its commands: the first one seen is its round trip.
  const pipelines = new WeakSet();
  Redis.prototype.sendCommand = function countedCommand(command, stream) {
    counts.redisCommands++;
    if (!stream) counts.redisRoundTrips++;
    else if (!pipelines.has(stream)) {
      pipelines.add(stream);
      counts.redisRoundTrips++;
    }
    return sendCommand.call(this, command, stream);
  };
}

function snapshot() {
  return { ...counts };
}

if (process.env.BENCH_COUNTS_DIR) {
  install();
  process.on('SIGUSR2', () => {
    counts.seq++;
    // Written aside, then renamed: the bench never reads half a file.
    const file = path.join(process.env.BENCH_COUNTS_DIR, `${process.pid}.json`);
    writeFileSync(`${file}.tmp`, JSON.stringify(counts));
    renameSync(`${file}.tmp`, file);
  });
}

module.exports = { install, snapshot };
