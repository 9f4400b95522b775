'use strict';
// An example provider that lives outside prod-access and is loaded from the catalog:
//
//   provider:
//     kind: module
//     module: ./examples/providers/file-provider.js   # relative to the catalog file
//     file: /etc/orders-api/allowlist.json             # this provider's own settings
//   levels:
//     - id: support
//       target: { group: support }
//
// It grants by adding the identity to a JSON allowlist file and revokes by removing it.
// docs/writing-a-provider.md walks through it.
const fs = require('node:fs');
const path = require('node:path');
const { z } = require('zod');
const allowlist = require('./allowlist-file');

const group = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be a group name: lower-case letters, digits and -');

const settingsSchema = z.strictObject({
  file: z.string().refine((p) => path.isAbsolute(p), 'must be an absolute path'),
  /** Groups the service knows; a grant of any other is refused for good. Empty: any group. */
  groups: z.array(group).default([]),
});

const targetSchema = z.strictObject({ group });

/** @type {import('../../src/providers/types').ProviderDefinition<z.infer<typeof settingsSchema>, z.infer<typeof targetSchema>>} */
module.exports = {
  kind: 'allowlist-file',
  settingsSchema,
  targetSchema,
  identityPattern: '^[a-z][a-z0-9._-]{0,63}$',
  requiredEnv: () => [],
  async validateConfig(settings) {
    // The folder must exist and be writable, or no grant could ever be written.
    await fs.promises.access(path.dirname(settings.file), fs.constants.W_OK);
  },
  create(settings) {
    const entryOf = (spec) => ({ identity: spec.identity, group: spec.target.group, expiresAt: spec.expiresAt.toISOString() });
    return {
      async grant(spec) {
        if (settings.groups.length > 0 && !settings.groups.includes(spec.target.group)) {
          // code TARGET_REJECTED: a permanent refusal, so prod-access fails the request instead of retrying.
          throw Object.assign(new Error(`The orders API has no group ${spec.target.group}.`), { code: 'TARGET_REJECTED' });
        }
        allowlist.add(settings.file, spec.requestId, entryOf(spec));
        return {
          lines: [
            `${spec.identity} is in the ${spec.target.group} group of the orders API allowlist.`,
            `Access ends at ${spec.expiresAt.toISOString()}.`,
          ],
        };
      },
      async revoke(spec) {
        allowlist.remove(settings.file, spec.requestId);
      },
      async check(spec) {
        return allowlist.has(settings.file, spec.requestId, entryOf(spec));
      },
      // Optional: what the level allows, for the approval message, read from the target (here, the file).
      async describeLevel(target) {
        const members = Object.values(allowlist.read(settings.file).grants).filter((g) => g.group === target.group).length;
        return `Membership of the \`${target.group}\` group of the allowlist (${members} now).`;
      },
    };
  },
};
