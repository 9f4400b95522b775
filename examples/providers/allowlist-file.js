'use strict';
// An allowlist kept in a JSON file, for services that read who may do what from a file. Shared by the
// example module provider (file-provider.js) and the example command (../commands/allowlist.js).
const fs = require('node:fs');
const path = require('node:path');

/** { grants: { "<request id>": { identity, group, expiresAt } } } */
function read(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    if (e.code === 'ENOENT') return { grants: {} };
    throw e;
  }
}

/** Written to a temporary file and renamed, so a reader never sees half a file. */
function write(file, allowlist) {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(temporary, `${JSON.stringify(allowlist, null, 2)}\n`, { mode: 0o640 });
  fs.renameSync(temporary, file);
}

/** Idempotent: the same request granted twice is one entry. */
function add(file, requestId, entry) {
  const allowlist = read(file);
  allowlist.grants[String(requestId)] = entry;
  write(file, allowlist);
}

/** Idempotent: removing an absent entry changes nothing. */
function remove(file, requestId) {
  const allowlist = read(file);
  if (!(String(requestId) in allowlist.grants)) return;
  delete allowlist.grants[String(requestId)];
  write(file, allowlist);
}

function has(file, requestId, entry) {
  const found = read(file).grants[String(requestId)];
  return Boolean(found && found.identity === entry.identity && found.group === entry.group);
}

module.exports = { read, add, remove, has };
