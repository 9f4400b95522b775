#!/usr/bin/env node
// The `prod-access` command (package.json's bin and npm scripts). On a development checkout (src/ and the dev
// dependency tsx present) it runs the TypeScript source, so `npm ci && npm start` needs no build and a stale
// dist/ is never picked up; elsewhere, as in the image where src/ is absent and dev dependencies are pruned,
// it runs the build. Either way in this process, so signals reach the app itself.
const { existsSync } = require('node:fs');
const path = require('node:path');
const { runSource } = require('./run-source.cjs');

const root = path.join(__dirname, '..');
const source = path.join(root, 'src/main/cli.ts');
const build = path.join(root, 'dist/main/cli.js');

function resolvable(id) {
  try {
    require.resolve(id, { paths: [root] });
    return true;
  } catch {
    return false;
  }
}

if (existsSync(source) && resolvable('tsx/cjs/api')) {
  runSource(source);
} else if (existsSync(build)) {
  require(build);
} else {
  console.error('prod-access: no build (dist/main/cli.js) and no tsx to run src/: run `npm ci` for development, or `npm run build`');
  process.exit(1);
}
