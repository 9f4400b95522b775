#!/usr/bin/env node
// Runs the Prisma CLI with the offline schema engine, so migrations need no download from Prisma's host.
// PRISMA_SCHEMA_ENGINE_BINARY, if already set (a native engine on a connected machine), is respected.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || path.join(__dirname, 'prisma-schema-engine.cjs'),
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
};
const cli = require.resolve('prisma/build/index.js');
const result = spawnSync(process.execPath, [cli, ...process.argv.slice(2)], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
