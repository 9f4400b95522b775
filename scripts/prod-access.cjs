#!/usr/bin/env node
// The `prod-access` command (package.json's bin and npm scripts). On a development checkout (src/ and the dev
// dependency tsx present) it runs the TypeScript source, so `npm ci && npm start` needs no build and a stale
// dist/ is never picked up; elsewhere, as in the image where src/ is absent and dev dependencies are pruned,
// it runs the build. Either way in this process, so signals reach the app itself.
const { spawnSync } = require('node:child_process');
const { existsSync, statSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const source = path.join(root, 'src/main.ts');
const build = path.join(root, 'dist/main.js');

function resolvable(id) {
  try {
    require.resolve(id, { paths: [root] });
    return true;
  } catch {
    return false;
  }
}

/** The build contains its compiled client; the source needs src/generated/, which git does not keep. */
function generateClientIfStale() {
  const client = path.join(root, 'src/generated/prisma/client.ts');
  const schema = path.join(root, 'prisma/schema.prisma');
  if (existsSync(client) && statSync(client).mtimeMs >= statSync(schema).mtimeMs) return;
  const result = spawnSync(process.execPath, [path.join(__dirname, 'prisma.cjs'), 'generate'], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr);
    process.exit(1);
  }
}

if (existsSync(source) && resolvable('tsx/cjs/api')) {
  generateClientIfStale();
  require('tsx/cjs/api').register();
  require(source);
} else if (existsSync(build)) {
  require(build);
} else {
  console.error('prod-access: no build (dist/main.js) and no tsx to run src/: run `npm ci` for development, or `npm run build`');
  process.exit(1);
}
