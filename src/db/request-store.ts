import type {
  AwaitingReminder,
  DueWork,
  LaggingWork,
  LevelHolders,
  LevelRef,
  NewRequest,
  Recorded,
  RequestPatch,
  RequestQuota,
  RequestStore,
  ReviewsDue,
} from '../app/ports';
import { LIVE_STATUS } from '../domain/grant';
import { HOLDS_ACCESS, type RequestStatus, statusesLeadingTo } from '../domain/lifecycle';
import type { ReminderStep } from '../domain/reminders';
import type { AccessRequestRecord, ApprovalOutcome, AuditEntry, DecisionRecord } from '../domain/request';
import { approvalOutcome, FINAL_NOTICES, pastPendingTimeout, SLACK_CATCH_UP_MS, TIMED_OUT_ENTRY } from '../domain/request';
import type { Prisma } from '../generated/prisma/client';
import type { Logger } from '../shared/logger';
import type { AuditChain } from './audit-chain';
import { AuditedTransactions, type TransactionAudit } from './audited-transaction';
import type { Db, Tx } from './client';

/** The first key of the advisory locks taken on a requester (the second is the requester id's hash). */
const REQUESTER_LOCK_SPACE = 0x70610001;

/** A claim to post a message older than this is taken over: its worker died before it could record the message. */
const CLAIM_LEASE_MS = 60_000;

/** The columns of each reminder step: its claim, and when it was posted. */
const STEP_COLUMNS = {
  reminder: { claimedAt: 'reminderClaimedAt', sentAt: 'remindedAt' },
  escalation: { claimedAt: 'escalationClaimedAt', sentAt: 'escalatedAt' },
} as const satisfies Record<
  ReminderStep,
  { claimedAt: keyof Prisma.AccessRequestWhereInput; sentAt: keyof Prisma.AccessRequestWhereInput }
>;

/**
 * Access requests and their audit trail in PostgreSQL. Every state change is a compare-and-set on
 * `status`, so a double click or a retried job finds the row already moved and changes nothing.
 */
export class PrismaRequestStore implements RequestStore {
  private readonly audited: AuditedTransactions;

  constructor(
    private readonly db: Db,
    chain: AuditChain,
    logger: Logger,
  ) {
    this.audited = new AuditedTransactions(db, chain, logger);
  }

  /**
   * Stores a request unless `admit` refuses its requester's recent count. The count and the insert run
   * under a transaction lock on the requester, so concurrent requests (replicas included) are counted
   * one after another and none slips past the limit.
   */
  async create(data: NewRequest, audit: AuditEntry, quota: RequestQuota): Promise<Recorded> {
    return this.audited.run(async (tx, chain) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${REQUESTER_LOCK_SPACE}::int, hashtext(${data.requesterId}))`;
      quota.admit(await countSince(tx, data.requesterId, quota.since, quota.breakGlassOnly));
      const request = await tx.accessRequest.create({ data });
      return { request, auditEventId: await chain.append(request, audit) };
    });
  }

  get(id: number): Promise<AccessRequestRecord | null> {
    return this.db.accessRequest.findUnique({ where: { id } });
  }

  /** The requests with these ids that exist, in one query. */
  getMany(ids: readonly number[]): Promise<AccessRequestRecord[]> {
    return this.db.accessRequest.findMany({ where: { id: { in: [...ids] } } });
  }

  decisions(id: number): Promise<DecisionRecord[]> {
    return this.db.decision.findMany({ where: { requestId: id }, orderBy: { createdAt: 'asc' } });
  }

  /** Moves the request to `to` if it is in a state that leads there; null when another actor won. */
  async transition(id: number, to: RequestStatus, patch: RequestPatch, audit: AuditEntry): Promise<Recorded | null> {
    return this.audited.run(async (tx, chain) => {
      const { count } = await tx.accessRequest.updateMany({
        where: { id, status: { in: statusesLeadingTo(to) } },
        data: { ...patch, status: to },
      });
      if (count === 0) return null;
      const request = await tx.accessRequest.findUniqueOrThrow({ where: { id } });
      return { request, auditEventId: await chain.append(request, audit) };
    });
  }

  /**
   * Records one approver's approval under a row lock, so two approvers racing on a one-approval level
   * produce one approval of the request, and a level needing two counts distinct people.
   */
  async approve(id: number, approverId: string, now: Date): Promise<{ outcome: ApprovalOutcome; auditEventIds: bigint[] }> {
    return this.audited.run(async (tx, chain) => {
      const request = await lockForDecision(tx, chain, id, now);
      if ('timedOut' in request) return { outcome: { kind: 'timed_out' }, auditEventIds: [request.timedOut] };
      if (request.status !== 'PENDING') return { outcome: { kind: 'not_pending', status: request.status }, auditEventIds: [] };
      const inserted = await tx.decision.createMany({
        data: [{ requestId: id, userId: approverId, kind: 'APPROVE' }],
        skipDuplicates: true,
      });
      if (inserted.count === 0) return { outcome: { kind: 'duplicate' }, auditEventIds: [] };
      const approvals = await tx.decision.count({ where: { requestId: id, kind: 'APPROVE' } });
      const outcome = approvalOutcome(approvals, request.approvalsRequired);
      const auditEventIds = [
        await chain.append(request, {
          actor: approverId,
          action: 'approval_recorded',
          detail: { approvals, required: request.approvalsRequired },
        }),
      ];
      if (outcome.kind === 'approved') {
        await tx.accessRequest.update({ where: { id }, data: { status: 'APPROVED', decidedAt: now } });
        auditEventIds.push(await chain.append(request, { actor: approverId, action: 'approved', detail: { approvals } }));
      }
      return { outcome, auditEventIds };
    });
  }

  /** Denies a pending request; `timedOut` when it was past its pending timeout, null when it was no longer pending. */
  async deny(id: number, userId: string, comment: string | null, now: Date): Promise<Recorded | { timedOut: bigint } | null> {
    return this.audited.run(async (tx, chain) => {
      const request = await lockForDecision(tx, chain, id, now);
      if ('timedOut' in request) return request;
      if (request.status !== 'PENDING') return null;
      await tx.decision.upsert({
        where: { requestId_userId: { requestId: id, userId } },
        create: { requestId: id, userId, kind: 'DENY', comment },
        update: { kind: 'DENY', comment },
      });
      const updated = await tx.accessRequest.update({ where: { id }, data: { status: 'DENIED', decidedAt: now } });
      return { request: updated, auditEventId: await chain.append(updated, { actor: userId, action: 'denied', detail: { comment } }) };
    });
  }

  /**
   * Early revoke. Before the grant is applied the request ends at once (the grant job will undo anything it
   * applied); once access exists, the request is marked and the revoke job removes it.
   */
  async requestRevoke(id: number, userId: string, now: Date, reason?: string): Promise<(Recorded & { pendingRemoval: boolean }) | null> {
    const endReason = reason ?? null;
    const why = reason === undefined ? {} : { reason };
    return this.audited.run(async (tx, chain) => {
      const request = await lockRequest(tx, id);
      if (request.status === 'APPROVED') {
        const updated = await tx.accessRequest.update({
          where: { id },
          data: { status: 'REVOKED', endedBy: userId, endedAt: now, endReason },
        });
        const auditEventId = await chain.append(updated, {
          actor: userId,
          action: 'revoked',
          detail: { before: 'grant applied', ...why },
        });
        return { request: updated, auditEventId, pendingRemoval: false };
      }
      if (!HOLDS_ACCESS.includes(request.status) || request.endedBy) return null;
      const updated = await tx.accessRequest.update({ where: { id }, data: { endedBy: userId, endReason } });
      return {
        request: updated,
        auditEventId: await chain.append(updated, {
          actor: userId,
          action: 'revoke_requested',
          ...(reason !== undefined && { detail: why }),
        }),
        pendingRemoval: true,
      };
    });
  }

  /** Claims the posting of the approval message, so two workers never post it twice (a stale claim is taken over). */
  async claimMessage(id: number, now: Date): Promise<boolean> {
    const { count } = await this.db.accessRequest.updateMany({
      where: {
        id,
        messageTs: null,
        OR: [{ messageClaimedAt: null }, { messageClaimedAt: { lt: new Date(now.getTime() - CLAIM_LEASE_MS) } }],
      },
      data: { messageClaimedAt: now },
    });
    return count === 1;
  }

  /**
   * The pending requests, not past their timeout, with a posted approval message and a step not yet posted,
   * created at or before `createdBefore`, oldest first: what the reminder sweep looks through. Literal
   * conditions, so PostgreSQL can use the partial index that holds only such rows.
   */
  awaitingReminders(now: Date, createdBefore: Date, limit: number): Promise<AwaitingReminder[]> {
    return this.db.$queryRaw<AwaitingReminder[]>`
      SELECT id, resource_id AS "resourceId", level, status::text AS status, created_at AS "createdAt",
             pending_expires_at AS "pendingExpiresAt", message_ts AS "messageTs", reminded_at AS "remindedAt",
             escalated_at AS "escalatedAt"
        FROM access_requests
       WHERE status = 'PENDING' AND (reminded_at IS NULL OR escalated_at IS NULL)
         AND created_at <= ${createdBefore} AND pending_expires_at > ${now} AND message_ts IS NOT NULL
       ORDER BY created_at LIMIT ${limit}`;
  }

  /**
   * Claims the posting of one reminder step, as the approval message is claimed: only while the request is
   * pending, not past its timeout, and the step not posted; a stale claim is taken over.
   */
  async claimStep(id: number, step: ReminderStep, now: Date): Promise<boolean> {
    const { claimedAt, sentAt } = STEP_COLUMNS[step];
    const { count } = await this.db.accessRequest.updateMany({
      where: {
        id,
        status: 'PENDING',
        pendingExpiresAt: { gt: now },
        [sentAt]: null,
        OR: [{ [claimedAt]: null }, { [claimedAt]: { lt: new Date(now.getTime() - CLAIM_LEASE_MS) } }],
      },
      data: { [claimedAt]: now },
    });
    return count === 1;
  }

  /** Gives back a claim made at `claimedAt` whose post failed, so the next try may post at once; a claim taken over since stays. */
  async releaseStep(id: number, step: ReminderStep, claimedAt: Date): Promise<void> {
    const columns = STEP_COLUMNS[step];
    await this.db.accessRequest.updateMany({
      where: { id, [columns.claimedAt]: claimedAt, [columns.sentAt]: null },
      data: { [columns.claimedAt]: null },
    });
  }

  /** Records the step as posted at `sentAt`, with its audit row, once; null when it already was. */
  async recordStep(id: number, step: ReminderStep, sentAt: Date, audit: AuditEntry): Promise<bigint | null> {
    const column = STEP_COLUMNS[step].sentAt;
    return this.audited.run(async (tx, chain) => {
      const { count } = await tx.accessRequest.updateMany({ where: { id, [column]: null }, data: { [column]: sentAt } });
      return count === 1 ? chain.append(id, audit) : null;
    });
  }

  /** Records which status the approval message now shows. */
  async markMessageShown(id: number, status: RequestStatus): Promise<void> {
    await this.db.accessRequest.update({ where: { id }, data: { messageStatus: status } });
  }

  /** Records that the requester was told about this final status. */
  async markNotified(id: number, status: RequestStatus): Promise<void> {
    await this.db.accessRequest.update({ where: { id }, data: { notifiedStatus: status } });
  }

  /** Stores where the approval message was posted, once. */
  async setMessage(id: number, channelId: string, messageTs: string): Promise<boolean> {
    const { count } = await this.db.accessRequest.updateMany({ where: { id, messageTs: null }, data: { channelId, messageTs } });
    return count === 1;
  }

  /** Appends an audit event that records no state change (a refused click, a revoke request). */
  async audit(id: number | null, entry: AuditEntry): Promise<bigint> {
    return this.audited.run((_tx, chain) => chain.append(id, entry));
  }

  /** Appends the chain head as an `audit_anchored` event, for the audit channel; null when nothing happened since the last one. */
  anchorAudit() {
    return this.audited.run((_tx, chain) => chain.anchor());
  }

  countSince(requesterId: string, since: Date, breakGlassOnly?: boolean): Promise<number> {
    return countSince(this.db, requesterId, since, breakGlassOnly);
  }

  /** The review of a break-glass grant, once: a compare-and-set on `reviewedAt`, committed with its audit row. */
  async recordReview(id: number, reviewerId: string, comment: string, now: Date): Promise<Recorded | null> {
    return this.audited.run(async (tx, chain) => {
      const { count } = await tx.accessRequest.updateMany({
        where: { id, breakGlass: true, reviewedAt: null },
        // The message no longer shows the request as it is: forgotten, the reconciler re-syncs it if its job is lost.
        data: { reviewedBy: reviewerId, reviewedAt: now, reviewComment: comment, messageStatus: null },
      });
      if (count === 0) return null;
      const request = await tx.accessRequest.findUniqueOrThrow({ where: { id } });
      const auditEventId = await chain.append(request, {
        actor: reviewerId,
        action: 'break_glass_reviewed',
        detail: { reason: comment },
      });
      return { request, auditEventId };
    });
  }

  /** Unreviewed break-glass grants past their review time: not escalated yet, or escalated without the post sent. */
  async reviewsDue(now: Date, limit: number): Promise<ReviewsDue> {
    const late = { breakGlass: true, reviewedAt: null, reviewDueAt: { lte: now } } satisfies Prisma.AccessRequestWhereInput;
    const [overdue, unsent] = await Promise.all([
      this.db.accessRequest.findMany({
        where: { ...late, reviewEscalatedAt: null },
        select: { id: true },
        orderBy: { reviewDueAt: 'asc' },
        take: limit,
      }),
      this.db.accessRequest.findMany({
        where: { ...late, reviewEscalatedAt: { not: null }, reviewEscalationSentAt: null },
        select: { id: true },
        orderBy: { reviewDueAt: 'asc' },
        take: limit,
      }),
    ]);
    return { overdue: overdue.map((r) => r.id), unsent: unsent.map((r) => r.id) };
  }

  /** The escalation of an unreviewed break-glass grant, once however many passes find it: a compare-and-set with its audit row. */
  async claimReviewEscalation(id: number, now: Date): Promise<Recorded | null> {
    return this.audited.run(async (tx, chain) => {
      const { count } = await tx.accessRequest.updateMany({
        where: { id, breakGlass: true, reviewedAt: null, reviewEscalatedAt: null, reviewDueAt: { lte: now } },
        data: { reviewEscalatedAt: now, messageStatus: null },
      });
      if (count === 0) return null;
      const request = await tx.accessRequest.findUniqueOrThrow({ where: { id } });
      const auditEventId = await chain.append(request, {
        actor: 'system',
        action: 'break_glass_escalated',
        detail: { reason: 'nobody reviewed the break-glass grant in time', reviewDueAt: request.reviewDueAt!.toISOString() },
      });
      return { request, auditEventId };
    });
  }

  async markReviewEscalationSent(id: number): Promise<void> {
    await this.db.accessRequest.updateMany({ where: { id, reviewEscalationSentAt: null }, data: { reviewEscalationSentAt: new Date() } });
  }

  listForRequester(requesterId: string, limit = 20): Promise<AccessRequestRecord[]> {
    return this.db.accessRequest.findMany({ where: { requesterId }, orderBy: { id: 'desc' }, take: limit });
  }

  async awaitingDecision(levels: readonly LevelRef[], userId: string, now: Date, limit: number) {
    const where = {
      status: 'PENDING',
      pendingExpiresAt: { gt: now },
      requesterId: { not: userId },
      decisions: { none: { userId } },
      OR: levels.map(({ resourceId, level }) => ({ resourceId, level })),
    } satisfies Prisma.AccessRequestWhereInput;
    const [requests, total] = await Promise.all([
      this.db.accessRequest.findMany({ where, orderBy: { id: 'asc' }, take: limit }),
      this.db.accessRequest.count({ where }),
    ]);
    return { requests, total };
  }

  /**
   * Requests on a resource that hold, or are about to hold, access (all of them, or one identity's other
   * requests): what an ending grant must not take away, and what the drift check expects to find.
   */
  liveOn(resourceId: string, now: Date, only?: { identity: string; exceptId: number }): Promise<AccessRequestRecord[]> {
    return this.db.accessRequest.findMany({
      where: {
        resourceId,
        ...(only && { targetIdentity: only.identity, id: { not: only.exceptId } }),
        OR: [{ status: 'APPROVED', ...startReached(now) }, liveGrant(now)],
      },
    });
  }

  liveGrantsOn(levels: readonly LevelRef[], now: Date, limit: number): Promise<AccessRequestRecord[]> {
    if (levels.length === 0) return Promise.resolve([]);
    return this.db.accessRequest.findMany({
      where: { ...liveGrant(now), OR: levels.map(({ resourceId, level }) => ({ resourceId, level })) },
      orderBy: { id: 'asc' },
      take: limit,
    });
  }

  async recordSessionSeen(id: number, at: Date): Promise<void> {
    await this.db.accessRequest.updateMany({
      where: { id, OR: [{ lastSessionSeenAt: null }, { lastSessionSeenAt: { lt: at } }] },
      data: { lastSessionSeenAt: at },
    });
  }

  /** The identities with a live grant of a level on a resource, but for one request's: the first `limit` by name, and how many. */
  async holdersOf(resourceId: string, level: string, now: Date, options: { exceptId: number; limit: number }): Promise<LevelHolders> {
    // The count is taken over every distinct identity before the LIMIT, in the same statement.
    const rows = await this.db.$queryRaw<{ identity: string; total: number }[]>`
      SELECT identity, count(*) OVER ()::int AS total
        FROM (SELECT DISTINCT target_identity AS identity FROM access_requests
               WHERE resource_id = ${resourceId} AND level = ${level} AND id <> ${options.exceptId}
                 AND status::text = ${LIVE_STATUS} AND ended_by IS NULL AND expires_at > ${now}) held
       ORDER BY identity LIMIT ${options.limit}`;
    return { identities: rows.map((row) => row.identity), total: rows[0]?.total ?? 0 };
  }

  /**
   * Requests whose schedule is due or overdue, and grants expiring (or scheduled grants starting) before
   * `horizon`: what the reconciler re-derives.
   */
  async due(now: Date, horizon: Date, limit: number): Promise<DueWork> {
    const ids = (rows: { id: number }[]) => rows.map((r) => r.id);
    const [pending, approved, startingSoon, pastExpiry, expiringSoon, warningsDue] = await Promise.all([
      this.db.accessRequest.findMany({ where: { status: 'PENDING', pendingExpiresAt: { lte: now } }, select: { id: true }, take: limit }),
      this.db.accessRequest.findMany({ where: { status: 'APPROVED', ...startReached(now) }, select: { id: true }, take: limit }),
      this.db.accessRequest.findMany({
        where: { status: 'APPROVED', startsAt: { gt: now, lte: horizon } },
        select: { id: true, startsAt: true },
        orderBy: { startsAt: 'asc' },
        take: limit,
      }),
      // Most overdue (and soonest) first, in the order of the (status, expires_at) index: ordered by id, a batch
      // limit lets PostgreSQL walk the whole table by primary key looking for the few rows that match.
      this.db.accessRequest.findMany({
        where: { status: { in: [...HOLDS_ACCESS] }, expiresAt: { lte: now } },
        select: { id: true },
        orderBy: { expiresAt: 'asc' },
        take: limit,
      }),
      this.db.accessRequest.findMany({
        where: { status: 'ACTIVE', expiresAt: { gt: now, lte: horizon } },
        select: { id: true, expiresAt: true },
        orderBy: { expiresAt: 'asc' },
        take: limit,
      }),
      // Live grants (`liveGrant`) whose warning is unsent, through the partial index that holds only them.
      this.db.$queryRaw<{ id: number; at: Date }[]>`
        SELECT id, expiry_warning_at AS at FROM access_requests
         WHERE status = 'ACTIVE' AND expiry_warned_at IS NULL AND expiry_warning_at IS NOT NULL
           AND expiry_warning_at <= ${horizon} AND ended_by IS NULL AND expires_at > ${now}
         ORDER BY expiry_warning_at LIMIT ${limit}`,
    ]);
    return {
      pendingPastTimeout: ids(pending),
      approved: ids(approved),
      startingSoon: startingSoon.map((r) => ({ id: r.id, startsAt: r.startsAt! })),
      pastExpiry: ids(pastExpiry),
      expiringSoon: expiringSoon.map((r) => ({ id: r.id, expiresAt: r.expiresAt! })),
      warningsDue,
    };
  }

  /**
   * Once only: the access DM of a grant counts as delivered the first time it is sent. `secretDm` is where
   * that DM is when it carried a one-time secret, so the secret can be taken out of it at the end.
   */
  async markAccessDelivered(id: number, secretDm?: { channel: string; ts: string }): Promise<void> {
    await this.db.accessRequest.updateMany({
      where: { id, accessDeliveredAt: null },
      data: { accessDeliveredAt: new Date(), ...(secretDm && { secretDmChannel: secretDm.channel, secretDmTs: secretDm.ts }) },
    });
  }

  async markSecretCleared(id: number): Promise<void> {
    await this.db.accessRequest.updateMany({ where: { id, secretClearedAt: null }, data: { secretClearedAt: new Date() } });
  }

  /**
   * Claims the sending of a live grant's expiry warning. A claim older than a minute is taken over: its
   * worker died (or Slack failed it) before the warning was recorded as sent.
   */
  async claimExpiryWarning(id: number, now: Date): Promise<boolean> {
    const { count } = await this.db.accessRequest.updateMany({
      where: {
        id,
        ...liveGrant(now),
        expiryWarnedAt: null,
        OR: [{ warningClaimedAt: null }, { warningClaimedAt: { lt: new Date(now.getTime() - 60_000) } }],
      },
      data: { warningClaimedAt: now },
    });
    return count === 1;
  }

  /** Records the expiry warning as sent, with its audit row, once; null when it was already recorded. */
  async markExpiryWarned(id: number, now: Date, audit: AuditEntry): Promise<bigint | null> {
    return this.audited.run(async (tx, chain) => {
      const { count } = await tx.accessRequest.updateMany({ where: { id, expiryWarnedAt: null }, data: { expiryWarnedAt: now } });
      return count === 1 ? chain.append(id, audit) : null;
    });
  }

  revokeFailuresDue(now: Date, thresholdSeconds: number, limit: number): Promise<AccessRequestRecord[]> {
    return this.db.accessRequest.findMany({
      where: revokeFailureAlertOwed(now, thresholdSeconds),
      orderBy: { revokeFailedAt: 'asc' },
      take: limit,
    });
  }

  /** The alert of a failing revoke, at most once per threshold however many passes find it: a compare-and-set with its audit row. */
  async recordRevokeFailureAlert(id: number, now: Date, thresholdSeconds: number, audit: AuditEntry): Promise<bigint | null> {
    return this.audited.run(async (tx, chain) => {
      const { count } = await tx.accessRequest.updateMany({
        where: { id, ...revokeFailureAlertOwed(now, thresholdSeconds) },
        data: { revokeFailedAlertedAt: now },
      });
      return count === 1 ? chain.append(id, audit) : null;
    });
  }

  /**
   * Slack messages that fell behind the database (their job was lost with Redis): approval messages that
   * show an older status, final notices never sent, access DMs of live grants never delivered, and DMs
   * still holding the one-time secret of an access that has ended. Only recent requests (secrets: all), and not those changed in the last `settle` — their own jobs are still on the way.
   */
  async lagging(now: Date, settleMs: number, limit: number): Promise<LaggingWork> {
    const settled = new Date(now.getTime() - settleMs);
    const recent = new Date(now.getTime() - SLACK_CATCH_UP_MS);
    const final = Object.keys(FINAL_NOTICES);
    const [messages, notices, access, secrets] = await Promise.all([
      this.db.$queryRaw<{ id: number }[]>`
        SELECT id FROM access_requests
         WHERE created_at > ${recent} AND message_status IS DISTINCT FROM status
           AND greatest(created_at, decided_at, granted_at, ended_at, message_claimed_at) < ${settled}
         ORDER BY id LIMIT ${limit}`,
      this.db.$queryRaw<{ id: number; status: RequestStatus }[]>`
        SELECT id, status::text AS status FROM access_requests
         WHERE created_at > ${recent} AND status::text = ANY(${final}) AND notified_status IS DISTINCT FROM status
           AND greatest(decided_at, ended_at) < ${settled}
         ORDER BY id LIMIT ${limit}`,
      this.db.accessRequest.findMany({
        where: { ...liveGrant(now), accessDeliveredAt: null, grantedAt: { lt: settled } },
        select: { id: true },
        orderBy: { id: 'asc' },
        take: limit,
      }),
      // However old: a secret stays in the DM history until it is taken out.
      this.db.$queryRaw<{ id: number }[]>`
        SELECT id FROM access_requests
         WHERE secret_dm_ts IS NOT NULL AND secret_cleared_at IS NULL AND status IN ('EXPIRED', 'REVOKED')
           AND ended_at < ${settled}
         ORDER BY id LIMIT ${limit}`,
    ]);
    return { messages: messages.map((r) => r.id), notices, access: access.map((r) => r.id), secrets: secrets.map((r) => r.id) };
  }
}

/** A live grant (domain/grant.ts `isLive`) as a query. */
function liveGrant(now: Date) {
  return { status: LIVE_STATUS, endedBy: null, expiresAt: { gt: now } } satisfies Prisma.AccessRequestWhereInput;
}

/** A request owed its REVOKE_FAILED alert (domain `revokeFailureAlertDue`) as a query. */
function revokeFailureAlertOwed(now: Date, thresholdSeconds: number) {
  const before = new Date(now.getTime() - thresholdSeconds * 1000);
  return {
    status: 'REVOKE_FAILED',
    OR: [{ revokeFailedAlertedAt: null, revokeFailedAt: { lte: before } }, { revokeFailedAlertedAt: { lte: before } }],
  } satisfies Prisma.AccessRequestWhereInput;
}

/** An approved request whose grant is due now: it named no start, or its start has come (domain `startIsAhead`, negated). */
function startReached(now: Date) {
  return { OR: [{ startsAt: null }, { startsAt: { lte: now } }] } satisfies Prisma.AccessRequestWhereInput;
}

function countSince(db: Tx | Db, requesterId: string, since: Date, breakGlassOnly = false): Promise<number> {
  return db.accessRequest.count({ where: { requesterId, createdAt: { gte: since }, ...(breakGlassOnly && { breakGlass: true }) } });
}

async function lockRequest(tx: Tx, id: number): Promise<AccessRequestRecord> {
  await tx.$queryRaw`SELECT id FROM access_requests WHERE id = ${id} FOR UPDATE`;
  return tx.accessRequest.findUniqueOrThrow({ where: { id } });
}

/**
 * Locks a request for a decision. One past its pending timeout is timed out here, with its audit row, as
 * the expire-pending job would: a decision must not depend on that job having run in time.
 */
async function lockForDecision(
  tx: Tx,
  chain: TransactionAudit,
  id: number,
  now: Date,
): Promise<AccessRequestRecord | { timedOut: bigint }> {
  const request = await lockRequest(tx, id);
  if (!pastPendingTimeout(request, now)) return request;
  await tx.accessRequest.update({ where: { id }, data: { status: 'TIMED_OUT', decidedAt: now } });
  return { timedOut: await chain.append(request, TIMED_OUT_ENTRY) };
}
