import { guarantee } from '../support/guarantees';
import { grantAccess, requestIdIn, useHarness } from '../support/harness';

/** Overlapping grants of the same access: the earlier one's end never takes away what the later one still covers. */
describe(guarantee(3), () => {
  const h = useHarness();

  /** The developer gives a grant back early; the access is gone once no other grant holds it. */
  async function revokeLast(id: number): Promise<void> {
    expect(await h.ask(h.users.dev, `revoke ${id}`)).toMatch(/Revoking/);
    await h.waitForApprovalMessage(id, 'Revoked early by');
    expect(await h.target.developerCanRead()).toBe(false);
  }

  test('the earlier grant expires while a later one covers the same role: access stays until the later one ends', async () => {
    const short = await grantAccess(h, { duration: '3s', reason: 'overlap' });
    const long = await grantAccess(h, { reason: 'overlap' });
    await h.waitForApprovalMessage(short, 'Ended at its expiry', 20_000);
    expect(await h.target.developerCanRead()).toBe(true);
    expect(await h.auditDetail(short, 'expired')).toEqual({ kept: `still held by #${long}` });

    await revokeLast(long);
  });

  test("an extension goes through the same rule: once granted, the first grant's expiry leaves the access in place", async () => {
    const first = await grantAccess(h, { duration: '8s', reason: 'overlap' });
    const reply = await h.ask(h.users.dev, `extend ${first} 10m the migration is still running`);
    expect(reply).toMatch(new RegExp(`^Request #\\d+, extending #${first}, sent to the owners for approval`));
    const extension = requestIdIn(reply);
    expect(await h.waitForApprovalMessage(extension, 'Waiting for approval')).toContain(`for 10m, extending #${first}.`);
    await h.clickAndReply(h.users.manager1, extension);
    await h.waitForApprovalMessage(extension, 'active until');

    await h.waitForApprovalMessage(first, 'Ended at its expiry', 20_000);
    expect(await h.target.developerCanRead()).toBe(true);
    expect(await h.auditDetail(first, 'expired')).toEqual({ kept: `still held by #${extension}` });
    expect(await h.auditDetail(extension, 'requested')).toMatchObject({ extends: first, durationSeconds: 600 });

    await revokeLast(extension);
  });
});
