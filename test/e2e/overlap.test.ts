import { Harness } from '../support/harness';

/** Overlapping grants of the same access: the earlier one's end never takes away what the later one still covers. */
describe('overlapping grants', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await Harness.start();
  });

  afterAll(async () => {
    await h.stop();
  });

  async function activeGrant(duration: string): Promise<number> {
    const id = await h.requestAccess(`read-only ${duration} overlap`);
    await h.clickAndReply(h.users.manager1, id);
    await h.waitForApprovalMessage(id, 'active until');
    return id;
  }

  test('the earlier grant expires while a later one covers the same role: access stays until the later one ends', async () => {
    const short = await activeGrant('3s');
    const long = await activeGrant('10m');
    await h.waitForApprovalMessage(short, 'Ended at its expiry', 20_000);
    await expect(h.queryAsDeveloper('SELECT item FROM orders')).resolves.toEqual([{ item: 'widget' }]);
    const ended = await h.db.auditEvent.findFirstOrThrow({ where: { requestId: short, action: 'expired' } });
    expect(ended.detail).toEqual({ kept: `still held by #${long}` });

    expect(await h.ask(h.users.dev, `revoke ${long}`)).toMatch(/Revoking/);
    await h.waitForApprovalMessage(long, 'Revoked early by');
    await expect(h.queryAsDeveloper('SELECT item FROM orders')).rejects.toThrow(/permission denied/);
  });

  test("an extension goes through the same rule: once granted, the first grant's expiry leaves the access in place", async () => {
    const first = await activeGrant('8s');
    const reply = await h.ask(h.users.dev, `extend ${first} 10m the migration is still running`);
    expect(reply).toMatch(new RegExp(`^Request #\\d+, extending #${first}, sent to the owners for approval`));
    const extension = Number(/#(\d+)/.exec(reply)![1]);
    expect(await h.waitForApprovalMessage(extension, 'Waiting for approval')).toContain(`for 10m, extending #${first}.`);
    await h.clickAndReply(h.users.manager1, extension);
    await h.waitForApprovalMessage(extension, 'active until');

    await h.waitForApprovalMessage(first, 'Ended at its expiry', 20_000);
    await expect(h.queryAsDeveloper('SELECT item FROM orders')).resolves.toEqual([{ item: 'widget' }]);
    const ended = await h.db.auditEvent.findFirstOrThrow({ where: { requestId: first, action: 'expired' } });
    expect(ended.detail).toEqual({ kept: `still held by #${extension}` });
    const requested = await h.db.auditEvent.findFirstOrThrow({ where: { requestId: extension, action: 'requested' } });
    expect(requested.detail).toMatchObject({ extends: first, durationSeconds: 600 });

    expect(await h.ask(h.users.dev, `revoke ${extension}`)).toMatch(/Revoking/);
    await h.waitForApprovalMessage(extension, 'Revoked early by');
    await expect(h.queryAsDeveloper('SELECT item FROM orders')).rejects.toThrow(/permission denied/);
  });
});
