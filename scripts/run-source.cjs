// Runs a TypeScript entry of this checkout in this process, so signals reach it: first the Prisma client is
// generated if the checkout has none (git keeps none) or the schema is newer, then tsx compiles on load.
// The prod-access bin runs src/ so; `node scripts/run-source.cjs <entry.ts> [args…]` runs another entry,
// which finds its arguments where plain node would put them (from argv[2]).
const { spawnSync } = require('node:child_process');
const { existsSync, statSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');

function generateClientIfStale() {
  const client = path.join(root, 'src/generated/prisma/client.ts');
  const schema = path.join(root, 'prisma/schema.prisma');
  if (existsSync(client) && statSync(client).mtimeMs >= statSync(schema).mtimeMs) return;
  const prisma = path.join(root, 'tools/prisma-offline/prisma.cjs');
  const result = spawnSync(process.execPath, [prisma, 'generate'], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr);
    process.exit(1);
  }
}

/** `entry` is an absolute path; tsx, a dev dependency, is loaded only here (the image has neither). */
function runSource(entry) {
  generateClientIfStale();
  require('tsx/cjs/api').register();
  require(entry);
}

module.exports = { runSource };

if (require.main === module) {
  process.argv.splice(1, 1);
  const entry = path.resolve(process.argv[1] ?? '');
  if (!existsSync(entry) || !entry.endsWith('.ts')) {
    // As in the image, which has the build only (and runs it with `prod-access start`).
    console.error(`run-source: no TypeScript entry ${process.argv[1] ?? ''} in this tree: this runs a checkout's source`);
    process.exit(1);
  }
  runSource(entry);
}
