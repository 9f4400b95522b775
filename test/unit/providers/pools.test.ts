import type { ConnectionPool, OpenPool } from '../../../src/providers/pools';
import { testPools } from '../../support/provider-pools';

/** A driver's pool that only records what is asked of it; its connections are named after its URL. */
function fakeDriver() {
  const opened: { url: string; size: number; ended: boolean }[] = [];
  const open: OpenPool<string> = (url, { size }): ConnectionPool<string> => {
    const pool = { url, size, ended: false };
    opened.push(pool);
    return {
      acquire: async () => ({ connection: url, release: () => undefined }),
      end: async () => {
        pool.ended = true;
      },
    };
  };
  return { open, opened };
}

/** Work that holds its connection until the test lets it go. */
function held() {
  let letGo!: () => void;
  const done = new Promise<void>((resolve) => (letGo = resolve));
  return { work: (connection: string) => done.then(() => connection), letGo };
}

describe('ProviderPools', () => {
  test('one pool per URL, whichever variable names it; a resource’s size sets it', async () => {
    const { pools } = testPools(4);
    const { open, opened } = fakeDriver();
    expect(await pools.run(open, { envName: 'A', url: 'u1', size: 2 }, async (c) => c)).toBe('u1');
    await pools.run(open, { envName: 'B', url: 'u1' }, async (c) => c);
    await pools.run(open, { envName: 'C', url: 'u2' }, async (c) => c);
    expect(opened.map(({ url, size }) => [url, size])).toEqual([
      ['u1', 2],
      ['u2', 4],
    ]);
    await pools.close();
  });

  test('a rotated URL gets a new pool; the old one ends once its running calls are done', async () => {
    const { pools } = testPools();
    const { open, opened } = fakeDriver();
    const first = held();
    const running = pools.run(open, { envName: 'A', url: 'old' }, first.work);
    await pools.run(open, { envName: 'A', url: 'new' }, async (c) => c);
    expect(opened.map((p) => [p.url, p.ended])).toEqual([
      ['old', false],
      ['new', false],
    ]);
    first.letGo();
    expect(await running).toBe('old');
    await new Promise(setImmediate);
    expect(opened[0]!.ended).toBe(true);
    await pools.close();
  });

  test('a URL another variable still holds keeps its pool when one variable rotates away', async () => {
    const { pools } = testPools();
    const { open, opened } = fakeDriver();
    await pools.run(open, { envName: 'A', url: 'shared' }, async (c) => c);
    await pools.run(open, { envName: 'B', url: 'shared' }, async (c) => c);
    await pools.run(open, { envName: 'A', url: 'other' }, async (c) => c);
    await pools.run(open, { envName: 'B', url: 'shared' }, async (c) => c);
    expect(opened.map((p) => [p.url, p.ended])).toEqual([
      ['shared', false],
      ['other', false],
    ]);
    await pools.close();
  });

  test('a pool unused for the idle time ends, and the next call opens another', async () => {
    jest.useFakeTimers();
    try {
      const { pools } = testPools();
      const { open, opened } = fakeDriver();
      await pools.run(open, { envName: 'A', url: 'u' }, async (c) => c);
      jest.advanceTimersByTime(3_600_000);
      expect(opened[0]!.ended).toBe(true);
      await pools.run(open, { envName: 'A', url: 'u' }, async (c) => c);
      expect(opened.map((p) => p.ended)).toEqual([true, false]);
      await pools.close();
    } finally {
      jest.useRealTimers();
    }
  });

  test('close ends every pool and refuses later calls', async () => {
    const { pools } = testPools();
    const { open, opened } = fakeDriver();
    await pools.run(open, { envName: 'A', url: 'u1' }, async (c) => c);
    await pools.run(open, { envName: 'B', url: 'u2' }, async (c) => c);
    await pools.close();
    expect(opened.map((p) => p.ended)).toEqual([true, true]);
    await expect(pools.run(open, { envName: 'A', url: 'u1' }, async (c) => c)).rejects.toMatchObject({ code: 'PROVIDER_ERROR' });
  });

  test('a pool that fails to end is logged, and close still resolves', async () => {
    const { pools, warnings } = testPools();
    const open: OpenPool<string> = () => ({
      acquire: async () => ({ connection: 'c', release: () => undefined }),
      end: () => Promise.reject(new Error('socket hang up')),
    });
    await pools.run(open, { envName: 'A', url: 'u' }, async (c) => c);
    await expect(pools.close()).resolves.toBeUndefined();
    expect(warnings).toEqual(['error closing provider connections']);
  });
});
