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
});
