import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { guarantee } from '../support/guarantees';
import { APPROVER_GROUP, CHANNELS, type Harness, useHarness } from '../support/harness';

/**
 * Identity that cannot be borrowed, and who may request: through signed slash commands to the real
 * endpoint, and `catalog validate` as an operator runs it.
 */

/** A resource of the harness's target with an identity rule of its own. */
function resource(h: Harness, id: string, identity: Record<string, unknown>, level: Record<string, unknown> = {}) {
  return {
    id,
    name: `Resource ${id}`,
    ownersChannel: CHANNELS.owners,
    provider: { kind: 'postgres', mode: 'grant-role', connectionEnv: h.adminEnvName },
    identity,
    levels: [
      { id: 'read-only', target: { role: h.target.roles.read }, maxDuration: '1h', approvers: { users: [h.users.manager1] }, ...level },
    ],
  };
}

/** Asks for access to a resource and returns the reply, the requests stored and the approval posts made meanwhile. */
async function ask(h: Harness, userId: string, resourceId: string) {
  const posts = h.apiCalls('chat.postMessage').filter((c) => c.args.channel === CHANNELS.owners).length;
  const reply = await h.ask(userId, `request ${resourceId} read-only 10m identity test`);
  return {
    reply,
    stored: await h.requestsOf(userId),
    ownerPosts: h.apiCalls('chat.postMessage').filter((c) => c.args.channel === CHANNELS.owners).length - posts,
  };
}

describe(guarantee(14), () => {
  const people = {
    kate: 'U0KATECOM1', // kate@example.com, while the catalog maps `kate` to the developer
    kelvin: 'U0KELVIN01', // \u212Aate@example.com: the Kelvin sign lower-cases to k
    unconfirmed: 'U0UNCONF01', // una@example.com, never confirmed
    samCom: 'U0SAMCOM01', // sam@example.com
    samOrg: 'U0SAMORG01', // sam@example.org: the same local part in another listed domain
    raceCom: 'U0RACECOM1',
    raceOrg: 'U0RACEORG1',
  };

  const h = useHarness({
    extraUsers: [
      { id: people.kate, name: 'kate', email: 'kate@example.com' },
      { id: people.kelvin, name: 'kelvin', email: '\u212Aate@example.com' },
      { id: people.unconfirmed, name: 'una', email: 'una@example.com', emailConfirmed: false },
      { id: people.samCom, name: 'sam', email: 'sam@example.com' },
      { id: people.samOrg, name: 'sam2', email: 'sam@example.org' },
      { id: people.raceCom, name: 'race', email: 'race@example.com' },
      { id: people.raceOrg, name: 'race2', email: 'race@example.org' },
    ],
    resources: (t) => [
      resource(t, 'shared-db', { map: { [t.users.dev]: 'kate' }, fromEmail: 'local-part', emailDomains: ['example.com', 'example.org'] }),
    ],
  });

  test('a user with no mapped identity is refused before any approver is bothered', async () => {
    const posts = h.apiCalls('chat.postMessage').length;
    expect(await h.ask(h.users.unmapped, `request ${h.resourceId} read-only 10m need it`)).toMatch(/no identity mapped/);
    expect(await h.requestsOf(h.users.unmapped)).toHaveLength(0);
    expect(h.apiCalls('chat.postMessage')).toHaveLength(posts);
  });

  test('an email with a look-alike letter (the Kelvin sign) is refused, not lower-cased into someone else', async () => {
    const { reply, stored, ownerPosts } = await ask(h, people.kelvin, 'shared-db');
    expect(reply).toMatch(/Your Slack email address has characters other than plain ASCII/);
    expect(stored).toHaveLength(0);
    expect(ownerPosts).toBe(0);
  });

  test('an email Slack has not confirmed names nobody', async () => {
    const { reply, stored } = await ask(h, people.unconfirmed, 'shared-db');
    expect(reply).toMatch(/Your Slack email address is not confirmed/);
    expect(stored).toHaveLength(0);
  });

  test('an email whose local part is an identity the catalog maps to someone else is refused, audited and announced', async () => {
    const { reply, stored, ownerPosts } = await ask(h, people.kate, 'shared-db');
    expect(reply).toMatch(/maps to `kate` on shared-db, which already belongs to another Slack user/);
    expect(stored).toHaveLength(0);
    expect(ownerPosts).toBe(0);
    const row = await h.db.auditEvent.findFirstOrThrow({ where: { action: 'identity_conflict', actor: people.kate } });
    expect(row).toMatchObject({ requestId: null, detail: { resource: 'shared-db', identity: 'kate', heldBy: h.users.dev } });
    await h.waitForText(
      CHANNELS.audit,
      `*identity conflict* by <@${people.kate}>: maps to kate on shared-db, which belongs to ${h.users.dev}`,
    );
    // The one the catalog names still gets it.
    expect((await ask(h, h.users.dev, 'shared-db')).reply).toMatch(/sent to the owners/);
  });

  test('two Slack users whose profiles map to one identity: the first keeps it, the second is refused and announced', async () => {
    expect((await ask(h, people.samCom, 'shared-db')).reply).toMatch(/sent to the owners/);
    const second = await ask(h, people.samOrg, 'shared-db');
    expect(second.reply).toMatch(/maps to `sam` on shared-db, which already belongs to another Slack user/);
    expect(second.stored).toHaveLength(0);
    await h.waitForText(
      CHANNELS.audit,
      `*identity conflict* by <@${people.samOrg}>: maps to sam on shared-db, which belongs to ${people.samCom}`,
    );
    // The first keeps it: asking again still works.
    expect((await ask(h, people.samCom, 'shared-db')).reply).toMatch(/sent to the owners/);
  });

  test('two Slack users asking at once for one identity: exactly one gets it', async () => {
    const replies = await Promise.all(
      [people.raceCom, people.raceOrg].map((user) => h.ask(user, 'request shared-db read-only 10m at once')),
    );
    expect(replies.filter((r) => /sent to the owners/.test(r))).toHaveLength(1);
    expect(replies.filter((r) => /already belongs to another Slack user/.test(r))).toHaveLength(1);
    const stored = await h.db.accessRequest.findMany({ where: { resourceId: 'shared-db', targetIdentity: 'race' } });
    expect(new Set(stored.map((r) => r.requesterId)).size).toBe(1);
  });

  test("the catalog's map names the identity without asking Slack for the profile", async () => {
    const profileCalls = () => h.apiCalls('users.info').length + h.apiCalls('users.profile.get').length;
    const before = profileCalls();
    expect((await ask(h, h.users.dev, 'shared-db')).reply).toMatch(/sent to the owners/);
    expect(profileCalls()).toBe(before);
    expect((await h.requestsOf(h.users.dev)).map((r) => r.targetIdentity)).toContain('kate');
  });
});

describe('who may request, and identities from admin-managed profile fields', () => {
  const allowed = 'U0ALLOWED1';
  const fieldUser = 'U0FIELDS01';
  const h = useHarness({
    extraUsers: [
      { id: allowed, name: 'allie', email: 'allie@example.com' },
      { id: fieldUser, name: 'fran', email: 'fran@example.com', profileFields: { Xf01DBUSER: 'fran_db' } },
    ],
    levels: { 'read-only': { requesters: { users: [allowed], groups: [APPROVER_GROUP] } } },
    resources: (t) => [resource(t, 'field-db', { fromProfileField: { field: 'Xf01DBUSER', adminManaged: true } })],
  });

  describe(guarantee(8), () => {
    test('someone who is not among a level’s requesters is refused with a clear message, and nothing is stored or posted', async () => {
      const { reply, stored, ownerPosts } = await ask(h, h.users.outsider, h.resourceId);
      expect(reply).toBe(
        ':warning: You may not request read-only on orders-db: only its listed requesters may. Ask its owners to add you if you need it.',
      );
      expect(stored).toHaveLength(0);
      expect(ownerPosts).toBe(0);
      expect(await h.db.auditEvent.count({ where: { actor: h.users.outsider } })).toBe(0);
    });

    test('a listed requester, or a member of a listed group, may ask; a level without requesters is open to all', async () => {
      expect((await ask(h, allowed, h.resourceId)).reply).toMatch(/sent to the owners/);
      expect((await ask(h, h.users.dev, h.resourceId)).reply).toMatch(/sent to the owners/); // through APPROVER_GROUP
      expect(await h.ask(h.users.outsider, `request ${h.resourceId} write 10m open to all`)).toMatch(/sent to the owners/);
    });
  });

  describe(guarantee(14), () => {
    test('an admin-managed custom profile field names the identity', async () => {
      expect((await ask(h, fieldUser, 'field-db')).reply).toMatch(/sent to the owners/);
      expect((await h.requestsOf(fieldUser)).map((r) => r.targetIdentity)).toEqual(['fran_db']);
    });
  });
});

describe('catalog validate', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'prod-access-identity-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Validates a one-resource catalog with this identity rule; `writeLevel` adds settings to its second level. */
  function validate(identity: Record<string, unknown>, writeLevel: Record<string, unknown> = {}) {
    const file = path.join(dir, `catalog-${Math.random().toString(36).slice(2)}.yaml`);
    const catalog = {
      auditChannel: 'C0AUDIT001',
      identity,
      resources: [
        {
          id: 'orders-db',
          name: 'Orders',
          ownersChannel: 'C0OWNERS01',
          provider: { kind: 'postgres', mode: 'grant-role', connectionEnv: 'ORDERS_URL' },
          levels: [
            { id: 'read-only', target: { role: 'orders_read' }, maxDuration: '1h', approvers: { users: ['U0MANAGER1'] } },
            { id: 'write', target: { role: 'orders_write' }, maxDuration: '1h', approvers: { users: ['U0MANAGER1'] }, ...writeLevel },
          ],
        },
      ],
    };
    writeFileSync(file, stringify(catalog));
    const result = spawnSync(path.join(__dirname, '../../node_modules/.bin/tsx'), ['src/main/cli.ts', 'catalog', 'validate', file], {
      cwd: path.join(__dirname, '../..'),
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', ORDERS_URL: 'postgresql://x@127.0.0.1/x' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    const lines = (text: string) =>
      text
        .split('\n')
        .filter(Boolean)
        .map((line) => line.slice(file.length + 2));
    return { code: result.status, out: lines(result.stdout), err: lines(result.stderr) };
  }

  describe(guarantee(14), () => {
    test('fromEmail: local-part without emailDomains is a problem: victim@evil.example would be victim', () => {
      expect(validate({ fromEmail: 'local-part' })).toEqual({
        code: 1,
        out: [],
        err: [
          expect.stringMatching(/^identity\.emailDomains: fromEmail: local-part needs the domains .*victim@evil\.example would be victim$/),
        ],
      });
    });

    test('a custom profile field not declared admin-managed is a problem; an admin-managed one gets a warning saying what it rests on', () => {
      expect(validate({ fromProfileField: 'Xf01DBUSER' })).toEqual({
        code: 1,
        out: [],
        err: [
          expect.stringMatching(
            /^identity\.fromProfileField: must be \{ field: Xf01DBUSER, adminManaged: true \}, and only once a workspace admin/,
          ),
        ],
      });
      const managed = validate({ fromProfileField: { field: 'Xf01DBUSER', adminManaged: true } });
      expect(managed.code).toBe(0);
      expect(managed.out).toContain(
        'warning: orders-db takes identities from the custom profile field Xf01DBUSER: anyone who can edit that field can name any identity, so keep it editable by workspace admins only',
      );
    });
  });

  describe(guarantee(8), () => {
    test('a valid catalog prints which levels anyone in the workspace may request', () => {
      expect(validate({ fromEmail: 'local-part', emailDomains: ['example.com'] }, { requesters: { groups: ['S0DBAS0001'] } })).toEqual({
        code: 0,
        out: ['valid (1 resources, 2 access levels)', 'open to everyone in the workspace (no requesters): orders-db/read-only'],
        err: [],
      });
    });
  });
});
