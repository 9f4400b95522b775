import { anchorAuditChain } from '../../../src/app/audit-anchor';
import { parseAnchor } from '../../../src/domain/audit-anchor';
import { fakeWorld } from '../../support/fakes';

test('the chain head is recorded as an event and posted; with nothing new since, nothing is', async () => {
  const w = fakeWorld();
  const anchor = anchorAuditChain(w);
  expect(await anchor()).toBeNull();

  const last = await w.requests.audit(null, { actor: 'UDEV', action: 'requested' });
  const anchored = await anchor();
  expect(anchored).toMatchObject({ anchor: { id: last, count: 1 }, eventId: last + 1n });
  expect(parseAnchor(anchored!.text)).toEqual(anchored!.anchor);
  expect(w.announcements.said).toEqual([`audit ${last + 1n}`]);
  expect(await anchor()).toBeNull();
});
