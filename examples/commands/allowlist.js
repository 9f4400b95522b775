#!/usr/bin/env node
'use strict';
// An example command for the `command` provider: the same allowlist file as the module example, driven
// from the command line the way a team's existing grant script would be.
//
//   allowlist.js grant  <file> <request id> <identity> <group> <expires at>
//   allowlist.js revoke <file> <request id>
//   allowlist.js check  <file> <request id> <identity> <group>
//
// Exit codes: 0 done (check: present), 1 check: absent, 2 refused (the last stderr line says why).
const allowlist = require('../providers/allowlist-file');

const [action, file, requestId, identity, group, expiresAt] = process.argv.slice(2);

function refuse(reason) {
  process.stderr.write(`${reason}\n`);
  process.exit(2);
}

if (!file || !requestId) refuse('usage: allowlist.js grant|revoke|check <file> <request id> …');
if (group === 'forbidden') refuse(`the group ${group} cannot be granted from prod-access`);
switch (action) {
  case 'grant':
    allowlist.add(file, requestId, { identity, group, expiresAt });
    // Optional: instructions for the requester, as JSON on stdout.
    process.stdout.write(JSON.stringify({ lines: [`${identity} may now act as ${group} in the orders API.`] }));
    break;
  case 'revoke':
    allowlist.remove(file, requestId);
    break;
  case 'check':
    process.exit(allowlist.has(file, requestId, { identity, group }) ? 0 : 1);
    break;
  default:
    refuse(`unknown action ${action}`);
}
