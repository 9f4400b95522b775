import { type NoticeDeps, requestNotices } from '../../../src/app/notices';
import type { AccessSecret, ApprovalContext, LevelAllows, LevelDescriptions, MessageRef, RequestFacts } from '../../../src/app/ports';
import type { AccessLevel, Resource } from '../../../src/domain/catalog';
import type { RequestStatus } from '../../../src/domain/lifecycle';
import type { AccessRequestRecord, RequesterNotice } from '../../../src/domain/request';
import { fakeWorld } from '../../support/fakes';

type NoticeMessenger = NoticeDeps['messenger'];

/** Slack as a log of what was sent, with the status each message showed. */
class FakeMessenger implements NoticeMessenger {
  sent: string[] = [];
  /** What each approval message posted or updated was shown beside the request, in order. */
  contexts: (ApprovalContext | undefined)[] = [];
  /** Runs while the approval message is being posted: the request moving meanwhile. */
  whilePosting?: () => Promise<void>;

  async postApprovalMessage({ request, resource }: RequestFacts, context?: ApprovalContext) {
    this.sent.push(`post ${request.status} in ${resource.ownersChannel}`);
    this.contexts.push(context);
    await this.whilePosting?.();
    return { channel: resource.ownersChannel, ts: '1.1' };
  }
  async updateApprovalMessage(at: MessageRef, { request }: RequestFacts, context?: ApprovalContext) {
    this.sent.push(`update ${at.ts} ${request.status}`);
    this.contexts.push(context);
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
  async postReviewEscalation({ request, resource }: RequestFacts) {
    this.sent.push(`escalate #${request.id} in ${resource.ownersChannel}`);
  }

  async sendExpiryWarning({ request }: RequestFacts, coveredBy: AccessRequestRecord | null) {
    this.sent.push(`expiry warning #${request.id}${coveredBy ? ` covered by #${coveredBy.id}` : ''}`);
  }
}

/** What each level allows, as a provider would say it; or a target that fails. */
class FakeLevelDescriptions implements LevelDescriptions {
  asked: string[] = [];
  answer: () => Promise<LevelAllows> = async () => ({ summary: 'SELECT on 3 tables in `public`' });

  describe(resource: Resource, level: AccessLevel): Promise<LevelAllows> {
    this.asked.push(`${resource.id}/${level.id}`);
    return this.answer();
  }
}

function setUp() {
  const world = fakeWorld();
  const messenger = new FakeMessenger();
  const levels = new FakeLevelDescriptions();
  const notices = requestNotices({ ...world, messenger, levels });
  const seed = (fields: Partial<AccessRequestRecord> = {}) => world.requests.seed(fields).id;
  const row = async (id: number) => (await world.requests.get(id))!;
  return { world, messenger, levels, notices, seed, row };
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

  test('shows approvers who holds the level now and what it allows, while the request waits for them', async () => {
    const { world, messenger, levels, notices, seed } = setUp();
    for (const identity of ['gus', 'ada', 'ada', 'bob', 'cy', 'dee', 'eve']) seed(liveGrant(world, { targetIdentity: identity }));
    seed(liveGrant(world, { targetIdentity: 'wes', level: 'write' }));
    seed(liveGrant(world, { targetIdentity: 'old', expiresAt: world.clock.now() }));
    seed({ status: 'APPROVED', targetIdentity: 'soon' });
    const id = seed();
    await notices.syncApprovalMessage(id);
    expect(levels.asked).toEqual(['orders-db/read-only']);
    expect(messenger.contexts).toEqual([
      {
        // Distinct live grants of this level only, the first few by name and all of them counted.
        holders: { identities: ['ada', 'bob', 'cy', 'dee', 'eve'], total: 6 },
        allows: { summary: 'SELECT on 3 tables in `public`' },
      },
    ]);
  });

  test('whose level cannot be read in its target is posted all the same, saying so', async () => {
    const { world, messenger, levels, notices, seed, row } = setUp();
    levels.answer = () => Promise.reject(new Error('connect ECONNREFUSED'));
    const id = seed();
    await notices.syncApprovalMessage(id);
    expect(messenger.sent).toEqual(['post PENDING in CORDERS']);
    expect(messenger.contexts).toEqual([{ holders: { identities: [], total: 0 }, allows: 'unreadable' }]);
    expect(await row(id)).toMatchObject({ messageTs: '1.1', messageStatus: 'PENDING' });
    await world.requests.transition(id, 'DENIED', {}, { actor: 'UMGR1', action: 'denied' });
    await notices.syncApprovalMessage(id);
    expect(messenger.sent).toEqual(['post PENDING in CORDERS', 'update 1.1 DENIED']);
  });

  test('once decided shows neither holders nor what the level allows, and asks no target', async () => {
    const { messenger, levels, notices, seed } = setUp();
    await notices.syncApprovalMessage(seed({ status: 'DENIED' }));
    expect(messenger.contexts).toEqual([undefined]);
    expect(levels.asked).toEqual([]);
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

describe('the escalation of an unreviewed break-glass grant', () => {
  const escalated = (world: ReturnType<typeof fakeWorld>) => ({ breakGlass: true, reviewEscalatedAt: world.clock.now() });

  test('is posted once, however often it is asked for', async () => {
    const { world, messenger, notices, seed, row } = setUp();
    const id = seed(escalated(world));
    await notices.escalateReview(id);
    await notices.escalateReview(id);
    expect(messenger.sent).toEqual([`escalate #${id} in CORDERS`]);
    expect((await row(id)).reviewEscalationSentAt).toEqual(world.clock.now());
  });

  test('is not posted for a grant reviewed meanwhile, or never escalated', async () => {
    const { world, messenger, notices, seed } = setUp();
    await notices.escalateReview(seed({ ...escalated(world), reviewedAt: world.clock.now(), reviewedBy: 'UMGR1' }));
    await notices.escalateReview(seed({ breakGlass: true }));
    expect(messenger.sent).toEqual([]);
  });
});
