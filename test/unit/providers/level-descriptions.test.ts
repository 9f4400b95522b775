import { Writable } from 'node:stream';
import type { AccessProvider } from '../../../src/app/ports';
import type { AccessLevel, Resource } from '../../../src/domain/catalog';
import { CachedLevelDescriptions } from '../../../src/providers/level-descriptions';
import { createLogger } from '../../../src/shared/logger';

const resource = { id: 'orders-db' } as Resource;
const read = { id: 'read-only', target: { role: 'orders_read' } } as unknown as AccessLevel;
const write = { id: 'write', target: { role: 'orders_write' } } as unknown as AccessLevel;

function setUp(describeLevel?: AccessProvider['describeLevel']) {
  let now = 0;
  const asked: unknown[] = [];
  const lines: string[] = [];
  const logger = createLogger({
    level: 'warn',
    pretty: false,
    destination: new Writable({ write: (chunk, _encoding, done) => done(void lines.push(String(chunk))) }),
  });
  const provider = {
    grant: jest.fn(),
    revoke: jest.fn(),
    check: jest.fn(),
    ...(describeLevel && {
      describeLevel: (target: Record<string, unknown>) => {
        asked.push(target);
        return describeLevel(target);
      },
    }),
  } as AccessProvider;
  const levels = new CachedLevelDescriptions({
    providers: () => provider,
    logger,
    ttlMs: 60_000,
    failureTtlMs: 5_000,
    timeoutMs: 50,
    now: () => now,
  });
  return { levels, asked, lines, advance: (ms: number) => (now += ms) };
}

describe('what a level allows, for the approval message', () => {
  test("is the provider's summary, asked once per resource and level until it is a few minutes old", async () => {
    const { levels, asked, advance } = setUp(async (target) => `SELECT as ${String(target.role)}`);
    expect(await levels.describe(resource, read)).toEqual({ summary: 'SELECT as orders_read' });
    expect(await levels.describe(resource, read)).toEqual({ summary: 'SELECT as orders_read' });
    expect(await levels.describe(resource, write)).toEqual({ summary: 'SELECT as orders_write' });
    advance(59_000);
    await levels.describe(resource, read);
    expect(asked).toHaveLength(2);
    advance(2_000);
    await levels.describe(resource, read);
    expect(asked).toHaveLength(3);
  });

  test('messages asking at once share one read of the target', async () => {
    const { levels, asked } = setUp(async () => 'SELECT');
    await Promise.all([levels.describe(resource, read), levels.describe(resource, read)]);
    expect(asked).toHaveLength(1);
  });

  test('a provider that cannot say is "not described", and so is an empty summary', async () => {
    expect(await setUp().levels.describe(resource, read)).toBe('not described');
    expect(await setUp(async () => '  ').levels.describe(resource, read)).toBe('not described');
  });

  test('a target that fails is unreadable, logged without its literals, and asked again sooner', async () => {
    const { levels, asked, lines, advance } = setUp(async () => {
      throw new Error("password authentication failed near 'hunter2'");
    });
    expect(await levels.describe(resource, read)).toBe('unreadable');
    expect(lines.join('')).toContain('could not read what a level allows');
    expect(lines.join('')).not.toContain('hunter2');
    advance(4_000);
    await levels.describe(resource, read);
    expect(asked).toHaveLength(1);
    advance(2_000);
    await levels.describe(resource, read);
    expect(asked).toHaveLength(2);
  });

  test('a target that does not answer in time is unreadable at once, and the message need not wait for it', async () => {
    const { levels, lines } = setUp(() => new Promise(() => undefined));
    expect(await levels.describe(resource, read)).toBe('unreadable');
    expect(lines.join('')).toContain('timed out');
  });

  test('a secret a provider let into its summary is scrubbed before any channel sees it', async () => {
    const { levels } = setUp(async () => 'POST to https://admin:hunter2@flags.example.com/grant');
    expect(JSON.stringify(await levels.describe(resource, read))).not.toContain('hunter2');
  });
});
