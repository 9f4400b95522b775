import { requestNotices } from '../../../src/app/notices';
import type { AccessSecret, MessageRef, Messenger, RequestFacts } from '../../../src/app/ports';
import type { RequestStatus } from '../../../src/domain/lifecycle';
import type { AccessRequestRecord, RequesterNotice } from '../../../src/domain/request';
import { fakeWorld } from '../../support/fakes';

/** Slack as a log of what was sent, with the status each message showed. */
class FakeMessenger implements Messenger {
  sent: string[] = [];
  /** Runs while the approval message is being posted: the request moving meanwhile. */
  whilePosting?: () => Promise<void>;

  async postApprovalMessage({ request, resource }: RequestFacts) {
    this.sent.push(`post ${request.status} in ${resource.ownersChannel}`);
    await this.whilePosting?.();
    return { channel: resource.ownersChannel, ts: '1.1' };
  }
  async updateApprovalMessage(at: MessageRef, { request }: RequestFacts) {
    this.sent.push(`update ${at.ts} ${request.status}`);
  }
  async sendNotice(_facts: RequestFacts, notice: RequesterNotice) {
    this.sent.push(`notice ${notice}`);
  }
  async sendAccess(_facts: RequestFacts, lines: string[], secret: AccessSecret) {
    this.sent.push(`access [${lines.join(', ')}] ${JSON.stringify(secret)}`);
    return { channel: 'DUDEV', ts: '2.2' };
  }
  async removeSecret(at: MessageRef) {
    this.sent.push(`remove secret ${at.channel} ${at.ts}`);
  }
  async sendExpiryWarning({ request }: RequestFacts, coveredBy: AccessRequestRecord | null) {
    this.sent.push(`expiry warning #${request.id}${coveredBy ? ` covered by #${coveredBy.id}` : ''}`);
  }
}

function setUp() {
  const world = fakeWorld();
  const messenger = new FakeMessenger();
  const notices = requestNotices({ ...world, messenger });
  const seed = (fields: Partial<AccessRequestRecord> = {}) => world.requests.seed(fields).id;
  const row = async (id: number) => (await world.requests.get(id))!;
  return { world, messenger, notices, seed, row };
}

/** A grant applied an hour ago, for another hour. */
function liveGrant(world: ReturnType<typeof fakeWorld>, fields: Partial<AccessRequestRecord> = {}): Partial<AccessRequestRecord> {
  const now = world.clock.now().getTime();
  return { status: 'ACTIVE', grantedAt: new Date(now - 3600_000), expiresAt: new Date(now + 3600_000), ...fields };
}

describe('the approval message', () => {
  test('is posted once in the owners channel, then updated in place', async () => {
    const { world, messenger, notices, seed, row } = setUp();
    const id = seed();
    await notices.syncApprovalMessage(id);
    await world.requests.transition(id, 'DENIED', {}, { actor: 'UMGR1', action: 'denied' });
    await notices.syncApprovalMessage(id);
    expect(messenger.sent).toEqual(['post PENDING in CORDERS', 'update 1.1 DENIED']);
    expect(await row(id)).toMatchObject({ channelId: 'CORDERS', messageTs: '1.1', messageStatus: 'DENIED' });
  });

  test('is not posted while another worker holds the claim: the job fails, to be retried', async () => {
    const { world, messenger, notices, seed } = setUp();
    const id = seed();
    await world.requests.claimMessage(id, world.clock.now());
    await expect(notices.syncApprovalMessage(id)).rejects.toThrow('being posted by another worker');
    expect(messenger.sent).toEqual([]);
  });

  test('shows a change made while it was being posted', async () => {
    const { world, messenger, notices, seed, row } = setUp();
    const id = seed();
    messenger.whilePosting = async () => {
      await world.requests.transition(id, 'APPROVED', {}, { actor: 'UMGR1', action: 'approved' });
    };
    await notices.syncApprovalMessage(id);
    expect(messenger.sent).toEqual(['post PENDING in CORDERS', 'update 1.1 APPROVED']);
    expect((await row(id)).messageStatus).toBe('APPROVED');
  });

  test('of a request that does not exist says so', async () => {
    const { messenger, notices } = setUp();
    await expect(notices.syncApprovalMessage(404)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(messenger.sent).toEqual([]);
  });
});

describe('the requester notices', () => {
  test('the notice of a final status is sent once, however often it is asked for', async () => {
    const { messenger, notices, seed, row } = setUp();
    const id = seed({ status: 'DENIED' });
    await notices.notifyRequester(id, 'denied');
    await notices.notifyRequester(id, 'denied');
    expect(messenger.sent).toEqual(['notice denied']);
    expect((await row(id)).notifiedStatus).toBe('DENIED');
  });

  test('a notice of a turn on the way is sent each time and records nothing', async () => {
    const { messenger, notices, seed, row } = setUp();
    const id = seed({ status: 'APPROVED' });
    await notices.notifyRequester(id, 'approved');
    await notices.notifyRequester(id, 'approved');
    expect(messenger.sent).toEqual(['notice approved', 'notice approved']);
    expect((await row(id)).notifiedStatus).toBeNull();
  });
});

describe('the access DM', () => {
  test('records where a one-time secret was shown, so it can be taken out later', async () => {
    const { world, messenger, notices, seed, row } = setUp();
    const id = seed(liveGrant(world));
    await notices.deliverAccess(id, ['Host: db'], 's3cret');
    expect(messenger.sent).toEqual(['access [Host: db] {"secret":"s3cret"}']);
    expect(await row(id)).toMatchObject({ secretDmChannel: 'DUDEV', secretDmTs: '2.2', accessDeliveredAt: world.clock.now() });
  });

  test('without a secret, records the delivery and no DM to clear', async () => {
    const { world, notices, seed, row } = setUp();
    const id = seed(liveGrant(world));
    await notices.deliverAccess(id, ['Host: db']);
    expect(await row(id)).toMatchObject({ secretDmChannel: null, secretDmTs: null, accessDeliveredAt: world.clock.now() });
  });

  test('is sent again from the stored lines for a live grant whose DM was lost, saying the secret is gone', async () => {
    const { world, messenger, notices, seed, row } = setUp();
    const id = seed(liveGrant(world, { accessLines: ['Host: db'], accessSecretIssued: true }));
    await notices.resendAccess(id);
    await notices.resendAccess(id);
    expect(messenger.sent).toEqual(['access [Host: db] {"secretLost":true}']);
    expect((await row(id)).accessDeliveredAt).toEqual(world.clock.now());
  });

  test.each<[string, (world: ReturnType<typeof fakeWorld>) => Partial<AccessRequestRecord>]>([
    ['already delivered', (world) => liveGrant(world, { accessDeliveredAt: world.clock.now() })],
    ['given back, its revoke on the way', (world) => liveGrant(world, { endedBy: 'UDEV' })],
    ['past its expiry, its revoke on the way', (world) => liveGrant(world, { expiresAt: world.clock.now() })],
    ['no longer active', (world) => ({ ...liveGrant(world), status: 'EXPIRED' })],
  ])('is not sent again for a grant %s', async (_case, fields) => {
    const { world, messenger, notices, seed } = setUp();
    await notices.resendAccess(seed({ accessLines: ['Host: db'], ...fields(world) }));
    expect(messenger.sent).toEqual([]);
  });

  test('sent again from stored lines that are not a list of text, carries no lines', async () => {
    const { world, messenger, notices, seed } = setUp();
    await notices.resendAccess(seed(liveGrant(world, { accessLines: { host: 'db' } })));
    expect(messenger.sent).toEqual(['access [] {"secretLost":false}']);
  });
});

describe('the secret in the access DM', () => {
  const holdsSecret = { secretDmChannel: 'DUDEV', secretDmTs: '2.2' };

  test('is taken out once the access has ended, once', async () => {
    const { world, messenger, notices, seed, row } = setUp();
    const id = seed({ status: 'EXPIRED', ...holdsSecret });
    await notices.clearSecret(id);
    await notices.clearSecret(id);
    expect(messenger.sent).toEqual(['remove secret DUDEV 2.2']);
    expect((await row(id)).secretClearedAt).toEqual(world.clock.now());
  });

  test.each<RequestStatus>(['ACTIVE', 'REVOKE_FAILED'])('stays while the access may still be used (%s)', async (status) => {
    const { messenger, notices, seed, row } = setUp();
    const id = seed({ status, ...holdsSecret });
    await notices.clearSecret(id);
    expect(messenger.sent).toEqual([]);
    expect((await row(id)).secretClearedAt).toBeNull();
  });

  test('of a DM that held none leaves it alone', async () => {
    const { messenger, notices, seed } = setUp();
    await notices.clearSecret(seed({ status: 'EXPIRED' }));
    expect(messenger.sent).toEqual([]);
  });
});
