import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { parseCatalog } from '../../src/main/catalog/load';
import { isProdAccessError } from '../../src/domain/errors';
import { mapIdentity, validateRequest } from '../../src/domain/policy';
import { JOBS, type JobName } from '../../src/jobs/definitions';
import { parseCommand } from '../../src/slack/inbound/commands/parse';
import { EXAMPLE_CATALOG_ENV } from '../support/example-catalog';

/** Hostile input: every failure is a ProdAccessError a person can read, never a crash or a half-parsed value. */

const example = readFileSync(path.join(__dirname, '../../catalog.example.yaml'), 'utf8');
const parsedExample = parseCatalog(example, EXAMPLE_CATALOG_ENV, path.join(__dirname, '../..'));
if (!parsedExample.ok) throw new Error('example catalog must be valid');
const catalog = parsedExample.catalog;

const nasty = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.constantFrom(
    "'; DROP TABLE access_requests; --",
    'Robert"); DROP ROLE postgres; --',
    '\u0000\u0007\u001b[31m',
    '‮evil',
    'a'.repeat(10_000),
    '<@U123> <!channel>',
    '1h'.repeat(500),
  ),
);
const words = fc.array(
  fc.oneof(nasty, fc.constantFrom('request', 'revoke', 'extend', 'list', 'help', 'orders-db', 'read-only', '1h', '#12', '30m')),
  { maxLength: 8 },
);

function onlyReadableErrors(run: () => unknown): void {
  try {
    run();
  } catch (e) {
    if (!isProdAccessError(e)) throw e;
    expect(e.message.length).toBeGreaterThan(0);
    expect(e.message.length).toBeLessThan(2000);
  }
}

describe('fuzzed input', () => {
  test('slash-command text is either a well-formed command or a usage error', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          nasty,
          words.map((w) => w.join(' ')),
        ),
        (text) => {
          onlyReadableErrors(() => {
            const command = parseCommand(text);
            if (command.kind === 'revoke') expect(Number.isSafeInteger(command.requestId)).toBe(true);
            if (command.kind === 'extend') expect(Number.isSafeInteger(command.input.requestId)).toBe(true);
          });
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('request fields (inline or from the modal) are accepted only when the catalog allows them', () => {
    const field = fc.oneof(nasty, fc.constantFrom('orders-db', 'read-only', 'write', '1h', '5m', '', 'https://tickets.example.com/1'));
    fc.assert(
      fc.property(field, field, field, field, field, (resourceId, levelId, duration, reason, ticketUrl) => {
        onlyReadableErrors(() => {
          const valid = validateRequest(catalog, { resourceId, levelId, duration, reason, ticketUrl });
          expect(valid.durationSeconds).toBeGreaterThan(0);
          expect(valid.durationSeconds).toBeLessThanOrEqual(valid.level.maxDurationSeconds);
          expect(valid.reason.trim()).not.toBe('');
        });
      }),
      { numRuns: 2000 },
    );
  });

  test('no mapped or derived identity that is not a plain target name ever comes out', () => {
    const [orders] = catalog.resources;
    fc.assert(
      fc.property(nasty, nasty, (mapped, email) => {
        onlyReadableErrors(() => {
          const identity = mapIdentity({ ...orders!.identity, map: { U1: mapped } }, { userId: 'U1', email, emailConfirmed: true });
          expect(identity).toMatch(/^[a-z_][a-z0-9_]{0,62}$/);
        });
        onlyReadableErrors(() => {
          const identity = mapIdentity(orders!.identity, { userId: 'U2', email, emailConfirmed: true });
          expect(identity).toMatch(/^[a-z_][a-z0-9_]{0,62}$/);
        });
      }),
      { numRuns: 1000 },
    );
  });

  test('a catalog file of any shape is either valid or a list of problems with paths', () => {
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.jsonValue(),
        fc.array(tie('node'), { maxLength: 3 }),
        fc.dictionary(fc.string({ maxLength: 12 }), tie('node'), { maxKeys: 4 }),
      ),
    })).node;
    const mutated = fc.record({ key: fc.constantFrom('auditChannel', 'pendingTimeout', 'resources', 'identity', 'extra'), value });
    fc.assert(
      fc.property(
        fc.oneof(
          nasty,
          mutated.map(({ key, value: v }) => example + `\n${key}: ${JSON.stringify(v ?? null)}\n`),
          value.map((v) => stringify(v)),
        ),
        (text) => {
          const result = parseCatalog(text, EXAMPLE_CATALOG_ENV);
          if (!result.ok) {
            expect(result.problems.length).toBeGreaterThan(0);
            for (const problem of result.problems) expect(typeof problem.path).toBe('string');
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  test('job payloads other than their declared shape are rejected', () => {
    const request = { requestId: 1 };
    const valid: Record<JobName, Record<string, unknown>> = {
      grant: request,
      revoke: request,
      revokeNow: request,
      expirePending: request,
      reconcile: {},
      driftCheck: {},
      anchorAudit: {},
      accessDigest: {},
      syncApprovalMessage: request,
      resyncApprovalMessage: request,
      notifyRequester: { ...request, notice: 'approved' },
      resendAccess: request,
      clearSecret: request,
      escalateReview: request,
      warnBeforeExpiry: request,
      postAudit: { auditEventId: '1' },
      reminderSweep: {},
      sessionSample: {},
      reminderStep: { ...request, step: 'reminder' },
      refreshHomes: request,
      publishHome: { userId: 'U0ALICE', window: 1 },
    };
    const names = Object.keys(JOBS) as JobName[];
    for (const name of names) expect(JOBS[name].payload.safeParse(valid[name]).success).toBe(true);
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc
          .string({ minLength: 1 })
          .filter((key) => !['requestId', 'notice', 'auditEventId', 'step', 'userId', 'window', '__proto__'].includes(key)),
        fc.jsonValue(),
        (name, key, extra) => {
          // Anything beyond the declared ids (a password, a token, a stray field) is refused.
          expect(JOBS[name].payload.safeParse({ ...valid[name], [key]: extra }).success).toBe(false);
          const parsed = JOBS[name].payload.safeParse(extra);
          if (parsed.success) expect(JSON.stringify(parsed.data)).not.toMatch(/password|secret|token/i);
        },
      ),
      { numRuns: 2000 },
    );
    expect(JOBS.grant.payload.safeParse({ requestId: '1; DROP' }).success).toBe(false);
    expect(JOBS.grant.payload.safeParse({ requestId: 1, password: 'x' }).success).toBe(false);
  });
});
