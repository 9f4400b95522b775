import { PermanentError, ProviderError, StartupError, UserError } from '../../../src/domain/errors';
import { contextOf } from '../../../src/jobs/workers';

/** A job of 5 tries on its given try, as BullMQ hands it to the worker. */
const onTry = (n: number) => contextOf({ attemptsMade: n - 1, opts: { attempts: 5 } });

describe("the worker's retry policy follows the class of the error", () => {
  const permanent = [
    new PermanentError('TARGET_REJECTED', 'The database has no role "alice".'),
    new PermanentError('INVALID_IDENTITY', '"Alice" is not a valid PostgreSQL role name.'),
    new PermanentError('NOT_FOUND', 'orders-db/read-only is no longer in the catalog.'),
  ];
  const retried = [
    new ProviderError('PROVIDER_ERROR', 'The webhook timed out.'),
    new UserError('INVALID_STATE', 'Request #1 holds no access to revoke.'),
    new StartupError('CONFIG_INVALID', 'REDIS_URL: invalid'),
    Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    // Duck-typed codes count only once a provider's wrapper has made them a PermanentError.
    Object.assign(new Error('no group billing'), { code: 'TARGET_REJECTED' }),
    'a thrown string',
  ];

  test('a PermanentError is final on the first try; anything else is retried', () => {
    for (const error of permanent) expect(onTry(1).isFinal(error)).toBe(true);
    for (const error of retried) expect(onTry(1).isFinal(error)).toBe(false);
    expect(onTry(4).isFinal(retried[0])).toBe(false);
  });

  test('on the last try every failure is final', () => {
    for (const error of [...permanent, ...retried]) expect(onTry(5).isFinal(error)).toBe(true);
    expect(contextOf({ attemptsMade: 0, opts: {} }).isFinal(retried[0])).toBe(true);
  });
});
