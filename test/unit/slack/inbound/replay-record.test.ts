import { createLogger } from '../../../../src/shared/logger';
import { seenSignatures } from '../../../../src/slack/inbound/request-guard';

const logger = createLogger({ level: 'silent', pretty: false });
const signature = (n: number) => `v0=${n.toString(16).padStart(64, '0')}`;
/** A shared store (Redis) that never answers. */
const hung = () => new Promise<boolean>(() => undefined);

/** The replay record: Redis when it answers, this process's bounded memory when it does not. */
describe('signatures already seen', () => {
  test('Redis decides when it answers: a signature another replica saw is a replay', async () => {
    const shared = new Set<string>([signature(1)]);
    const seen = seenSignatures(async (s) => !shared.has(s) && Boolean(shared.add(s)), logger);
    expect(await seen.firstSeen(signature(1), 300)).toBe(false);
    expect(await seen.firstSeen(signature(2), 300)).toBe(true);
  });

  test.each([
    ['hangs', hung],
    ['fails', () => Promise.reject(new Error('connection refused'))],
  ])('when Redis %s, a replay to this process is still refused', async (_name, remember) => {
    const seen = seenSignatures(remember, logger);
    expect(await seen.firstSeen(signature(1), 300)).toBe(true);
    expect(await seen.firstSeen(signature(1), 300)).toBe(false);
    expect(await seen.firstSeen(signature(2), 300)).toBe(true);
  });

  test('a signature is forgotten once its timestamp has left the window', async () => {
    let now = 1_000_000;
    const seen = seenSignatures(() => Promise.reject(new Error('down')), logger, { now: () => now });
    expect(await seen.firstSeen(signature(1), 10)).toBe(true);
    now += 9_000;
    expect(await seen.firstSeen(signature(1), 10)).toBe(false);
    now += 2_000;
    expect(await seen.firstSeen(signature(1), 10)).toBe(true);
  });

  test('memory is bounded; while it misses a dropped signature that could still be replayed, and Redis is down, it refuses to vouch', async () => {
    let now = 1_000_000;
    let redisUp = true;
    const seen = seenSignatures(async () => (redisUp ? true : Promise.reject(new Error('down'))), logger, { now: () => now, capacity: 3 });
    for (const n of [1, 2, 3, 4]) expect(await seen.firstSeen(signature(n), 60)).toBe(true);
    redisUp = false;
    // Signature 1 was dropped to make room for 4 and is valid for another minute: memory alone cannot tell.
    expect(await seen.firstSeen(signature(5), 60)).toBeUndefined();
    now += 61_000;
    expect(await seen.firstSeen(signature(6), 60)).toBe(true);
  });
});
