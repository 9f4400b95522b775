import { randomBytes, randomInt } from 'node:crypto';
import type { AccessInstructions, AccessProvider, GrantSpec, TargetSession } from '../../src/providers/types';
import { waitUntil } from './wait';

/** A grantee's own connection to the target, opened with what a grant gave. */
export interface GranteeSession {
  /** Uses one of the level's rights in this session; rejects when the target refuses or the session is gone. */
  exercise(): Promise<void>;
  /** Closes the session if it is still open. */
  close(): Promise<void>;
  /**
   * For a provider with `sessions`: a statement this session runs (taking long enough, where the target
   * shows only what runs now, to be seen running), and how `sessions` shows it, normalized.
   */
  statement?: { run(): Promise<unknown>; shown: string };
}

/** A provider under test and a way to look at its target directly, never through the provider. */
export interface ConformanceSubject {
  /** The provider, configured against the real target of the test file. */
  provider(): AccessProvider;
  /**
   * A grant the target accepts, for an identity and request id of its own (so tests never share state).
   * May prepare the target (create a login role, say); the test file's afterAll cleans up.
   */
  newGrant(): Promise<GrantSpec>;
  /** Reads the target itself: how many grants of this spec it holds now (0 or 1, or more if a grant was duplicated). */
  observe(spec: GrantSpec): Promise<number>;
  /** Whether a grant creates a credential, delivered once as `oneTimeSecret`. */
  createsCredentials: boolean;
  /**
   * For targets with sessions: connects as the grantee with what the grant gave, and does there what a
   * grantee would do to keep the level's rights in that session (SET ROLE, a temporary table).
   */
  openSession?(spec: GrantSpec, access: AccessInstructions): Promise<GranteeSession>;
}

/**
 * The contract every provider, built in or external, must keep. Registers the tests in the calling file:
 *
 *   describeProviderConformance('PostgreSQL, login-role', { provider, newGrant, observe, createsCredentials: true });
 */
export function describeProviderConformance(name: string, subject: ConformanceSubject): void {
  describe(`${name} keeps the provider contract`, () => {
    /** Runs a test with a fresh grant and revokes it afterwards, whatever the test did. */
    const withGrant = (work: (provider: AccessProvider, spec: GrantSpec) => Promise<void>) => async () => {
      const provider = subject.provider();
      const spec = await subject.newGrant();
      try {
        await work(provider, spec);
      } finally {
        await provider.revoke(spec);
      }
    };

    test(
      'granting twice is one grant',
      withGrant(async (provider, spec) => {
        await provider.grant(spec);
        await provider.grant(spec);
        expect(await subject.observe(spec)).toBe(1);
      }),
    );

    test(
      'revoking takes the grant away, and revoking twice is fine',
      withGrant(async (provider, spec) => {
        await provider.grant(spec);
        await provider.revoke(spec);
        await expect(provider.revoke(spec)).resolves.toBeUndefined();
        expect(await subject.observe(spec)).toBe(0);
      }),
    );

    test(
      'revoking what was never granted is fine and changes nothing',
      withGrant(async (provider, spec) => {
        await expect(provider.revoke(spec)).resolves.toBeUndefined();
        expect(await subject.observe(spec)).toBe(0);
      }),
    );

    test(
      'check agrees with the target before the grant, during it and after the revoke',
      withGrant(async (provider, spec) => {
        const agrees = async (expected: boolean) => {
          expect(await provider.check(spec)).toBe(expected);
          expect((await subject.observe(spec)) > 0).toBe(expected);
        };
        await agrees(false);
        await provider.grant(spec);
        await agrees(true);
        await provider.revoke(spec);
        await agrees(false);
      }),
    );

    test(
      "revoking one grant leaves another request's grant in place",
      withGrant(async (provider, spec) => {
        const other = await subject.newGrant();
        try {
          await provider.grant(spec);
          await provider.grant(other);
          await provider.revoke(spec);
          expect(await subject.observe(spec)).toBe(0);
          expect(await subject.observe(other)).toBe(1);
          expect(await provider.check(other)).toBe(true);
        } finally {
          await provider.revoke(other);
        }
      }),
    );

    if (subject.openSession) {
      const openSession = subject.openSession;
      test(
        "a session opened during the grant, holding the level's rights, does not survive the revoke",
        withGrant(async (provider, spec) => {
          const session = await openSession(spec, await provider.grant(spec));
          try {
            await session.exercise();
            await provider.revoke(spec);
            await expect(session.exercise()).rejects.toThrow();
            expect(await provider.check(spec)).toBe(false);
          } finally {
            await session.close();
          }
        }),
      );
    }

    if (subject.openSession && subject.provider().sessions) {
      const openSession = subject.openSession;
      test(
        "sessions lists the grantee's session with what it runs, and none after the revoke",
        withGrant(async (provider, spec) => {
          const sessions = () => provider.sessions!(spec);
          const access = await provider.grant(spec);
          expect(await sessions()).toEqual([]);
          const openedAfter = Date.now() - 2000;
          const session = await openSession(spec, access);
          try {
            const { run, shown } = session.statement!;
            const running = run();
            let seen: TargetSession[] = [];
            const listed = await waitUntil(
              async () => (seen = await sessions()).find((s) => s.statement === shown),
              5000,
              () => `a session running ${shown}; sessions listed ${JSON.stringify(seen)}`,
            );
            await running;
            // What the target cannot tell is null, never a made-up value.
            const orNull = (value: unknown, type: unknown) => (value === null ? null : expect.any(type));
            expect(listed).toEqual({
              id: expect.stringMatching(/^\S+$/),
              startedAt: orNull(listed.startedAt, Date),
              clientAddress: orNull(listed.clientAddress, String),
              application: orNull(listed.application, String),
              state: expect.any(String),
              statement: shown,
            });
            if (listed.startedAt) expect(listed.startedAt.getTime()).toBeGreaterThanOrEqual(openedAfter);
            if (listed.startedAt) expect(listed.startedAt.getTime()).toBeLessThanOrEqual(Date.now());
            await provider.revoke(spec);
            expect(await sessions()).toEqual([]);
          } finally {
            await session.close();
          }
        }),
      );
    }

    test(
      'the access instructions say until when, and carry a credential only when one is created',
      withGrant(async (provider, spec) => {
        const access = await provider.grant(spec);
        const text = access.lines.join('\n');
        expect(text).toContain(spec.identity);
        expect(text).toContain(spec.expiresAt.toISOString());
        if (subject.createsCredentials) {
          expect(access.oneTimeSecret).toEqual(expect.stringMatching(/^.{16,}$/));
          expect(text).not.toContain(access.oneTimeSecret);
        } else {
          expect(access.oneTimeSecret).toBeUndefined();
        }
      }),
    );
  });
}

/**
 * Names owned by one test file (a random suffix for every user, role or key it creates) and grant specs
 * with request ids of their own.
 */
export function ownedGrants(prefix: string) {
  const suffix = `${prefix}${randomBytes(3).toString('hex')}`;
  let requestId = randomInt(1, 10_000) * 1000;
  return {
    suffix,
    spec: (identity: string, target: Record<string, unknown>): GrantSpec => ({
      requestId: ++requestId,
      resourceId: 'test-resource',
      levelId: 'test-level',
      identity,
      target,
      expiresAt: new Date(Date.now() + 3600_000),
    }),
  };
}
