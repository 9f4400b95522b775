import { z } from 'zod';
import { ProviderError } from '../../../src/domain/errors';
import { SESSIONS_LISTED } from '../../../src/domain/sessions';
import { readingSessions } from '../../../src/providers/support';
import { defineProviderKind, type GrantSpec, type TargetSession } from '../../../src/providers/types';

const spec = (identity: string): GrantSpec => ({
  requestId: 1,
  resourceId: 'r',
  levelId: 'l',
  identity,
  target: { group: 'support' },
  expiresAt: new Date(),
});

const session: TargetSession = {
  id: '7',
  startedAt: null,
  clientAddress: null,
  application: null,
  state: 'idle',
  statement: null,
};

const kind = (sessions?: (spec: GrantSpec) => Promise<TargetSession[]>) =>
  defineProviderKind({
    kind: 'module-like',
    settingsSchema: z.object({}),
    targetSchema: z.object({ group: z.string() }),
    identityPattern: '^[a-z]+$',
    validateConfig: async () => undefined,
    create: () => ({
      grant: async () => ({ lines: [] }),
      revoke: async () => undefined,
      check: async () => false,
      ...(sessions && { sessions }),
    }),
  }).create({}, {});

describe("a provider's sessions", () => {
  test('a provider without the capability lacks the method', () => {
    expect(kind().sessions).toBeUndefined();
  });

  test("are asked with the checked spec, and an identity the kind refuses never reaches the provider's target", async () => {
    const asked: GrantSpec[] = [];
    const provider = kind(async (s) => (asked.push(s), [session]));
    await expect(provider.sessions!(spec('ann'))).resolves.toEqual([session]);
    await expect(provider.sessions!(spec("ann' OR 1=1"))).rejects.toMatchObject({ code: 'INVALID_IDENTITY' });
    expect(asked.map((s) => s.identity)).toEqual(['ann']);
  });

  test('are bounded whoever wrote the provider: at most SESSIONS_LISTED, and a failure a ProviderError saying whose', async () => {
    const many = kind(async () => Array.from({ length: SESSIONS_LISTED + 10 }, (_, i) => ({ ...session, id: String(i) })));
    expect(await many.sessions!(spec('ann'))).toHaveLength(SESSIONS_LISTED);
    const broken = kind(async () => {
      throw new Error('the API answered 502');
    });
    const failed = broken.sessions!(spec('ann'));
    await expect(failed).rejects.toThrow(ProviderError);
    await expect(failed).rejects.toThrow('The sessions of ann (request 1) could not be read: the API answered 502');
  });

  test('a read that fails is a ProviderError naming whose sessions could not be read', async () => {
    const failed = readingSessions('ann_pa1', () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')));
    await expect(failed).rejects.toThrow(ProviderError);
    await expect(failed).rejects.toThrow('The sessions of ann_pa1 could not be read: connect ECONNREFUSED 127.0.0.1:1');
  });

  test('a target that does not answer is not waited for', async () => {
    const hung = readingSessions('ann_pa1', () => new Promise<never>(() => undefined), 20);
    await expect(hung).rejects.toThrow('The sessions of ann_pa1 could not be read: no answer within 0.02 s');
  });
});
