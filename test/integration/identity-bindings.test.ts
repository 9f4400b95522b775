import { randomBytes } from 'node:crypto';
import { createDb, type Db } from '../../src/db/client';
import { IdentityBindingRepository } from '../../src/db/identity-bindings';

/** One identity, one Slack user per resource, decided by the database's primary key. */
describe('IdentityBindingRepository.bind', () => {
  let db: Db;
  let bindings: IdentityBindingRepository;
  const resourceId = `bindings-${randomBytes(4).toString('hex')}`;

  beforeAll(() => {
    db = createDb(process.env.DATABASE_URL!);
    bindings = new IdentityBindingRepository(db);
  });

  afterAll(async () => {
    await db.identityBinding.deleteMany({ where: { resourceId } });
    await db.$disconnect();
  });

  test('the first user keeps a derived identity; a second one is told who holds it', async () => {
    expect(await bindings.bind(resourceId, 'kate', 'U0FIRST001', { explicit: false })).toBe('U0FIRST001');
    expect(await bindings.bind(resourceId, 'kate', 'U0SECOND01', { explicit: false })).toBe('U0FIRST001');
    expect(await bindings.bind(resourceId, 'kate', 'U0FIRST001', { explicit: false })).toBe('U0FIRST001');
    // Another resource is another target: the same name there is someone else's to take.
    expect(await bindings.bind(`${resourceId}-other`, 'kate', 'U0SECOND01', { explicit: false })).toBe('U0SECOND01');
    await db.identityBinding.deleteMany({ where: { resourceId: `${resourceId}-other` } });
  });

  test('many users binding one identity at once: exactly one holds it, and all of them are told the same one', async () => {
    const users = Array.from({ length: 12 }, (_, i) => `U0RACE${String(i).padStart(4, '0')}`);
    const holders = await Promise.all(users.map((user) => bindings.bind(resourceId, 'raced', user, { explicit: false })));
    expect(new Set(holders).size).toBe(1);
    expect(users).toContain(holders[0]);
  });

  test("an explicit map entry, the platform team's word, moves a binding", async () => {
    expect(await bindings.bind(resourceId, 'moved', 'U0DERIVED1', { explicit: false })).toBe('U0DERIVED1');
    expect(await bindings.bind(resourceId, 'moved', 'U0MAPPED01', { explicit: true })).toBe('U0MAPPED01');
    expect(await bindings.bind(resourceId, 'moved', 'U0DERIVED1', { explicit: false })).toBe('U0MAPPED01');
  });
});
