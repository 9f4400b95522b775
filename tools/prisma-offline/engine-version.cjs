'use strict';
// schema-engine.cjs speaks a private protocol between one build of the Prisma CLI and its engine, and works
// around defects of one build of the adapter: it runs only with the builds it was tested with.
const fs = require('node:fs');
const path = require('node:path');

/** The packages the offline path relies on beyond their public APIs: the CLI, the engine, the adapter. */
const TESTED_PACKAGES = ['prisma', '@prisma/schema-engine-wasm', '@prisma/adapter-pg', '@prisma/driver-adapter-utils'];

/** Where package.json pins the tested builds. */
const PACKAGE_JSON = path.join(__dirname, '../../package.json');

/** The version Node would load from here, read from disk (these packages do not export their package.json). */
function installedVersion(name) {
  for (const dir of require.resolve.paths(name) ?? []) {
    const file = path.join(dir, name, 'package.json');
    if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')).version;
  }
  return undefined;
}

/** One line naming the first installed package that is not the build package.json pins; undefined when none. */
function untestedEngine() {
  const pinned = JSON.parse(fs.readFileSync(PACKAGE_JSON, 'utf8')).dependencies ?? {};
  for (const name of TESTED_PACKAGES) {
    const tested = pinned[name];
    const installed = installedVersion(name);
    if (installed === tested) continue;
    const found = installed === undefined ? `${name} is not installed` : `${name} ${installed} is installed`;
    return (
      `prisma-offline: ${found}, but the offline schema engine is tested with ${tested ?? 'no version of it'} (package.json); ` +
      'run `npm ci`, or upgrade as tools/prisma-offline/README.md says'
    );
  }
  return undefined;
}

module.exports = { untestedEngine };
