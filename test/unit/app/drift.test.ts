import { checkDrift } from '../../../src/app/drift';
import { fakeWorld, grantAccess } from '../../support/fakes';

function setUp() {
  const w = fakeWorld();
  const target = w.targets.target('orders-db');
  return { w, target, check: checkDrift(w) };
}

describe('the drift check', () => {
  test('access no live grant covers is reported once in the audit log and channel; access a grant holds is not', async () => {
    const { w, target, check } = setUp();
    await grantAccess(w);
    const byHand = target.grantByHand('dev', 'orders_write');
    w.announcements.said.length = 0;

    const report = await check();

    expect(report).toEqual({ found: [{ resource: 'orders-db', level: 'write', access: byHand }], unreadable: [] });
    const drift = w.audit.events.at(-1)!;
    expect(drift).toMatchObject({
      requestId: null,
      actor: 'system',
      action: 'drift_found',
      detail: { resource: 'orders-db', level: 'write', access: byHand, reason: `${byHand} holds write on orders-db with no live grant` },
    });
    expect(w.announcements.said).toEqual([`audit ${drift.id}`]);
  });

  test('a standing drift is reported again only after a day', async () => {
    const { w, target, check } = setUp();
    target.grantByHand('carol', 'orders_read');
    await check();
    w.clock.advance(23 * 3600_000);
    expect((await check()).found).toHaveLength(1);
    expect(w.audit.actions(null)).toEqual(['drift_found']);
    w.clock.advance(3600_000 + 1);
    await check();
    expect(w.audit.actions(null)).toEqual(['drift_found', 'drift_found']);
  });

  test('access whose grant has ended is drift', async () => {
    const { w, target, check } = setUp();
    await grantAccess(w, { durationSeconds: 60 });
    w.clock.advance(60_000);
    expect((await check()).found).toEqual([{ resource: 'orders-db', level: 'read-only', access: [...target.held.keys()][0] }]);
  });

  test('a target that cannot be read is reported as unreadable and the others are still checked', async () => {
    const { w, target } = setUp();
    const catalog = { ...w.catalog, resources: [{ ...w.catalog.resources[0]!, id: 'broken-db' }, ...w.catalog.resources] };
    w.targets.target('broken-db').holders = async () => {
      throw new Error('connection refused');
    };
    target.grantByHand('carol', 'orders_read');
    const report = await checkDrift({ ...w, catalog })();
    expect(report.unreadable).toEqual([{ resource: 'broken-db', reason: 'connection refused' }]);
    expect(report.found.map((drift) => drift.resource)).toEqual(['orders-db']);
  });

  test('a provider that cannot list holders takes no part', async () => {
    const { w, check } = setUp();
    const flags = w.targets.target('flags');
    flags.grantByHand('carol', 'flags_toggle');
    await expect(check()).resolves.toEqual({ found: [], unreadable: [] });
    expect(flags.holders).toBeUndefined();
  });
});
