import path from 'node:path';
import { z } from 'zod';
import { loadCatalog } from '../../src/main/catalog/load';
import { entryOf, type Catalog, type IdentityRule } from '../../src/domain/catalog';
import { parseDuration } from '../../src/domain/durations';
import {
  type ErrorCode,
  isProdAccessError,
  PermanentError,
  type PermanentErrorCode,
  ProdAccessError,
  ProviderError,
  type ProviderErrorCode,
  StartupError,
  type StartupErrorCode,
  UserError,
  type UserErrorCode,
} from '../../src/domain/errors';
import { mapIdentity, validateRequest } from '../../src/domain/policy';
import { resolveProvider } from '../../src/providers/registry';
import { defineProviderKind, type GrantSpec } from '../../src/providers/types';

/** Which class each code belongs to. It compiles only while each class accepts the codes listed for it. */
const CLASS_OF: { [Code in ErrorCode]: new (code: Code, message: string) => ProdAccessError } = {
  UNKNOWN_RESOURCE: UserError,
  UNKNOWN_LEVEL: UserError,
  INVALID_DURATION: UserError,
  INVALID_START: UserError,
  DURATION_TOO_LONG: UserError,
  MISSING_REASON: UserError,
  INVALID_TICKET_URL: UserError,
  NO_IDENTITY: UserError,
  IDENTITY_CONFLICT: UserError,
  NOT_AUTHORIZED: UserError,
  SELF_APPROVAL: UserError,
  ALREADY_DECIDED: UserError,
  INVALID_STATE: UserError,
  ACCESS_STILL_HELD: UserError,
  RATE_LIMITED: UserError,
  INVALID_COMMAND: UserError,
  FORM_TIMED_OUT: UserError,
  CONFIG_INVALID: StartupError,
  CATALOG_INVALID: StartupError,
  PROVIDER_ERROR: ProviderError,
  TARGET_REJECTED: PermanentError,
  INVALID_IDENTITY: PermanentError,
  NOT_FOUND: PermanentError,
  WINDOW_ENDED: PermanentError,
};

// No code belongs to two classes: an overlap of the code unions fails to compile here.
type Overlaps<A, B> = [Extract<A, B>] extends [never] ? never : Extract<A, B>;
const disjoint: [
  Overlaps<UserErrorCode, StartupErrorCode | ProviderErrorCode | PermanentErrorCode>,
  Overlaps<StartupErrorCode, ProviderErrorCode | PermanentErrorCode>,
  Overlaps<ProviderErrorCode, PermanentErrorCode>,
] extends [never, never, never]
  ? true
  : false = true;

const CLASSES = [UserError, StartupError, ProviderError, PermanentError];
const codesOf = (cls: (typeof CLASSES)[number]) => (Object.keys(CLASS_OF) as ErrorCode[]).filter((code) => CLASS_OF[code] === cls).sort();

describe('errors are split by who handles them, codes kept', () => {
  test('each code is one class, every class a ProdAccessError named after itself', () => {
    expect(disjoint).toBe(true);
    for (const [code, cls] of Object.entries(CLASS_OF) as [ErrorCode, new (code: ErrorCode, message: string) => ProdAccessError][]) {
      const error = new cls(code, 'A message for a person.');
      expect(error).toBeInstanceOf(ProdAccessError);
      expect(isProdAccessError(error)).toBe(true);
      expect(CLASSES.filter((other) => error instanceof other)).toEqual([cls]);
      expect({ code: error.code, name: error.name, message: error.message }).toEqual({
        code,
        name: cls.name,
        message: 'A message for a person.',
      });
    }
  });

  test('only the refusals retrying cannot mend are permanent, as before the split', () => {
    expect(codesOf(PermanentError)).toEqual(['INVALID_IDENTITY', 'NOT_FOUND', 'TARGET_REJECTED', 'WINDOW_ENDED']);
    expect(codesOf(StartupError)).toEqual(['CATALOG_INVALID', 'CONFIG_INVALID']);
    expect(codesOf(ProviderError)).toEqual(['PROVIDER_ERROR']);
  });

  test('a person gets a UserError, with the modal field it is about', () => {
    const rule: IdentityRule = { map: {}, fromEmail: 'none', emailDomains: [], fromProfileField: null, patterns: [] };
    const catalog: Catalog = { auditChannel: 'CAUDIT', pendingTimeoutSeconds: 3600, resources: [] };
    const input = { resourceId: 'nope', levelId: 'x', duration: '', reason: 'r' };
    expect(() => validateRequest(catalog, input)).toThrow(expect.objectContaining({ code: 'UNKNOWN_RESOURCE', field: 'resource' }));
    expect(() => validateRequest(catalog, input)).toThrow(UserError);
    expect(() => parseDuration('soon')).toThrow(UserError);
    expect(() => mapIdentity(rule, { userId: 'U1', emailConfirmed: true })).toThrow(UserError);
  });

  test('an identity no target can take and a request outliving its catalog entry are permanent', () => {
    const rule: IdentityRule = {
      map: { U1: 'Bad Name' },
      fromEmail: 'none',
      emailDomains: [],
      fromProfileField: null,
      patterns: ['^[a-z]+$'],
    };
    expect(() => mapIdentity(rule, { userId: 'U1', emailConfirmed: true })).toThrow(PermanentError);
    const catalog: Catalog = { auditChannel: 'CAUDIT', pendingTimeoutSeconds: 3600, resources: [] };
    expect(() => entryOf(catalog, { resourceId: 'gone', level: 'x' })).toThrow(
      expect.objectContaining({ constructor: PermanentError, code: 'NOT_FOUND' }),
    );
  });

  test('an invalid catalog is a StartupError, naming the catalog key it is about', () => {
    expect(() => loadCatalog(path.join(__dirname, '../fixtures/broken-catalog.yaml'))).toThrow(StartupError);
    expect(() => resolveProvider({ kind: 'nope', settings: {} })).toThrow(
      expect.objectContaining({ constructor: StartupError, code: 'CATALOG_INVALID', field: 'kind' }),
    );
  });
});

describe("a provider's errors", () => {
  const spec: GrantSpec = {
    requestId: 1,
    resourceId: 'orders',
    levelId: 'support',
    identity: 'alice',
    target: { group: 'support' },
    expiresAt: new Date(0),
  };
  /** A provider kind as a module written elsewhere defines it: it cannot use our error classes. */
  const throwing = (error: unknown) =>
    defineProviderKind({
      kind: 'module-like',
      settingsSchema: z.object({}),
      targetSchema: z.object({ group: z.string() }),
      identityPattern: '^[a-z]+$',
      validateConfig: async () => undefined,
      create: () => ({
        grant: async () => {
          throw error;
        },
        revoke: async () => undefined,
        check: async () => false,
      }),
    }).create({}, {});
  const failure = (error: unknown) =>
    throwing(error)
      .grant(spec)
      .then(
        () => undefined,
        (e: unknown) => e,
      );

  test("a module's duck-typed TARGET_REJECTED is still a PermanentError, with its message", async () => {
    const refusal = await failure(Object.assign(new Error('The orders API has no group support.'), { code: 'TARGET_REJECTED' }));
    expect(refusal).toBeInstanceOf(PermanentError);
    expect(refusal).toMatchObject({ code: 'TARGET_REJECTED', message: 'The orders API has no group support.' });
  });

  test('anything else a provider throws passes as it is, to be retried', async () => {
    const outage = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    await expect(failure(outage)).resolves.toBe(outage);
    const ours = new ProviderError('PROVIDER_ERROR', 'The webhook timed out.');
    await expect(failure(ours)).resolves.toBe(ours);
  });

  test('an identity or target the kind does not accept is refused for good before the provider runs', async () => {
    const provider = throwing(new Error('must not be called'));
    await expect(provider.grant({ ...spec, identity: 'Not Valid' })).rejects.toThrow(PermanentError);
    await expect(provider.grant({ ...spec, target: { group: 7 } })).rejects.toMatchObject({
      constructor: PermanentError,
      code: 'TARGET_REJECTED',
    });
  });
});
