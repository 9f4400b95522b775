#!/usr/bin/env node
// Runs the Prisma CLI with the offline schema engine, so migrations need no download from Prisma's host; it
// refuses, in one line, when the installed Prisma packages are not the builds that engine was tested with.
// PRISMA_SCHEMA_ENGINE_BINARY, if already set (a native engine on a connected machine), is respected.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { untestedEngine } = require('./engine-version.cjs');

if (!process.env.PRISMA_SCHEMA_ENGINE_BINARY) {
  const problem = untestedEngine();
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
}
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || path.join(__dirname, 'schema-engine.cjs'),
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
};
const cli = require.resolve('prisma/build/index.js');
const result = spawnSync(process.execPath, [cli, ...process.argv.slice(2)], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
