import { grantOrFail } from '../../src/app/grants';
import type {
  AccessDelivery,
  AccessProvider,
  Announcements,
  AuditLog,
  AwaitingReminder,
  Clock,
  Directory,
  DueWork,
  IdentityBindings,
  LaggingWork,
  LevelRef,
  Metrics,
  NewRequest,
  Providers,
  Recorded,
  RequestPatch,
  RequestQuota,
  RequesterNotice,
  RequestStore,
  ReviewsDue,
  Schedule,
  TargetSession,
} from '../../src/app/ports';
import { ANCHOR_ACTION, type Anchor, formatAnchor } from '../../src/domain/audit-anchor';
import type { AuditEventRecord } from '../../src/domain/audit-lines';
import type { AccessLevel, Catalog, Resource } from '../../src/domain/catalog';
import { type AccessInstructions, accessKeyOf, type GrantSpec, isLive } from '../../src/domain/grant';
import { HOLDS_ACCESS, type RequestStatus, statusesLeadingTo } from '../../src/domain/lifecycle';
import type { SlackProfile } from '../../src/domain/policy';
import { startIsAhead } from '../../src/domain/scheduled-start';
import type { ReminderStep } from '../../src/domain/reminders';
import {
  type AccessRequestRecord,
  type ApprovalOutcome,
  approvalOutcome,
  type AuditEntry,
  type DecisionRecord,
  FINAL_NOTICES,
  pastPendingTimeout,
  reviewOverdue,
  revokeFailureAlertDue,
  SLACK_CATCH_UP_MS,
  TIMED_OUT_ENTRY,
} from '../../src/domain/request';

/**
 * In-memory stand-ins for the ports in src/app/ports.ts, so each use-case rule is tested without a
 * service. The store keeps the real store's rules (test/support/request-store-contract.ts runs the same
 * checks on both): every status change is a compare-and-set from a status that leads to the new one, with
 * its audit row, and a decision past the pending timeout times the request out instead.
 */

/** Time moves only when a test says so. */
export class FakeClock implements Clock {
  constructor(private at = new Date('2030-01-01T09:00:00Z')) {}

  now(): Date {
    return new Date(this.at);
  }

  advance(ms: number): void {
    this.at = new Date(this.at.getTime() + ms);
  }
}

/** The audit table, its deliveries and the audit channel's lease. */
export class FakeAuditLog implements AuditLog {
  readonly events: AuditEventRecord[] = [];
  readonly delivered = new Map<bigint, Date>();
  lease: { holder: string; until: Date } | null = null;
  lastPostedAt: Date | null = null;

  constructor(private readonly clock: Clock) {}

  append(requestId: number | null, entry: AuditEntry): bigint {
    const event = {
      id: BigInt(this.events.length + 1),
      at: this.clock.now(),
      requestId,
      actor: entry.actor,
      action: entry.action,
      detail: entry.detail ?? {},
    };
    this.events.push(event);
    return event.id;
  }

  /** The actions recorded, in order (of one request, or of none with `null`). */
  actions(requestId?: number | null): string[] {
    return this.events.filter((e) => requestId === undefined || e.requestId === requestId).map((e) => e.action);
  }

  async acquireChannel(holder: string, now: Date, until: Date) {
    if (this.lease && this.lease.holder !== holder && this.lease.until >= now) return null;
    this.lease = { holder, until };
    return { lastPostedAt: this.lastPostedAt };
  }

  async releaseChannel(holder: string) {
    if (this.lease?.holder === holder) this.lease = null;
  }

  async markPosted(holder: string, eventIds: readonly bigint[], postedAt: Date, leaseUntil: Date) {
    for (const id of eventIds) if (!this.delivered.has(id)) this.delivered.set(id, postedAt);
    if (this.lease?.holder === holder) {
      this.lease.until = leaseUntil;
      this.lastPostedAt = postedAt;
    }
  }

  async postable(now: Date, refusalWindowMs: number, limit: number) {
    const recentRefusalLine = (e: AuditEventRecord) =>
      this.events.some(
        (r) =>
          r.action === 'refused' &&
          r.requestId === e.requestId &&
          r.actor === e.actor &&
          (this.delivered.get(r.id)?.getTime() ?? -Infinity) > now.getTime() - refusalWindowMs,
      );
    return this.recent(now)
      .filter((e) => !this.delivered.has(e.id) && !(e.action === 'refused' && recentRefusalLine(e)))
      .slice(0, limit);
  }

  async undelivered(now: Date, settleMs: number, limit: number) {
    return this.recent(now)
      .filter((e) => e.at.getTime() < now.getTime() - settleMs && !this.delivered.has(e.id))
      .slice(0, limit)
      .map((e) => e.id);
  }

  async recentDetails(action: string, since: Date) {
    return this.events.filter((e) => e.action === action && e.at >= since).map((e) => e.detail as Record<string, unknown>);
  }

  private recent(now: Date) {
    return this.events.filter((e) => e.at.getTime() > now.getTime() - SLACK_CATCH_UP_MS);
  }
}

type StoredRequest = AccessRequestRecord & {
  messageClaimedAt: Date | null;
  reminderClaimedAt: Date | null;
  escalationClaimedAt: Date | null;
  warningClaimedAt: Date | null;
};

/** The columns of each reminder step, as the real store names them. */
const STEP_COLUMNS = {
  reminder: { claimedAt: 'reminderClaimedAt', sentAt: 'remindedAt' },
  escalation: { claimedAt: 'escalationClaimedAt', sentAt: 'escalatedAt' },
} as const satisfies Record<ReminderStep, { claimedAt: keyof StoredRequest; sentAt: keyof StoredRequest }>;

/** A claim older than this is taken over, as in the real store. */
const CLAIM_LEASE_MS = 60_000;

/** Access requests and their decisions; audit rows go to the FakeAuditLog, as the real store writes them. */
export class FakeRequestStore implements RequestStore {
  private readonly rows = new Map<number, StoredRequest>();
  private readonly decisionRows: (DecisionRecord & { requestId: number })[] = [];
  private nextId = 1;

  constructor(
    private readonly clock: Clock,
    readonly log: FakeAuditLog = new FakeAuditLog(clock),
  ) {}

  /**
   * A request stored as it is, in any state, the way tests write rows straight into the database: UDEV's
   * pending request for read-only on orders-db as `dev`, unless `fields` say otherwise.
   */
  seed(fields: Partial<AccessRequestRecord> = {}): AccessRequestRecord {
    const now = this.clock.now();
    const row: StoredRequest = {
      id: this.nextId++,
      requesterId: 'UDEV',
      resourceId: 'orders-db',
      level: 'read-only',
      targetIdentity: 'dev',
      durationSeconds: 3600,
      reason: 'a reason',
      ticketUrl: null,
      status: 'PENDING',
      approvalsRequired: 1,
      createdAt: now,
      startsAt: null,
      pendingExpiresAt: new Date(now.getTime() + 3600_000),
      decidedAt: null,
      grantedAt: null,
      expiresAt: null,
      endedAt: null,
      endedBy: null,
      failureReason: null,
      channelId: null,
      messageTs: null,
      messageStatus: null,
      notifiedStatus: null,
      extendsRequestId: null,
      accessLines: null,
      accessSecretIssued: false,
      accessDeliveredAt: null,
      secretDmChannel: null,
      secretDmTs: null,
      secretClearedAt: null,
      expiryWarningAt: null,
      expiryWarnedAt: null,
      lastSessionSeenAt: null,
      endReason: null,
      messageClaimedAt: null,
      remindedAt: null,
      escalatedAt: null,
      reminderClaimedAt: null,
      escalationClaimedAt: null,
      breakGlass: false,
      reviewDueAt: null,
      reviewedBy: null,
      reviewedAt: null,
      reviewComment: null,
      reviewEscalatedAt: null,
      reviewEscalationSentAt: null,
      warningClaimedAt: null,
      revokeFailedAt: null,
      revokeFailedAlertedAt: null,
      ...fields,
    };
    this.rows.set(row.id, row);
    return { ...row };
  }

  async create(data: NewRequest, audit: AuditEntry, quota: RequestQuota): Promise<Recorded> {
    quota.admit(await this.countSince(data.requesterId, quota.since, quota.breakGlassOnly));
    const request = this.seed(data);
    return { request, auditEventId: this.log.append(request.id, audit) };
  }

  async get(id: number): Promise<AccessRequestRecord | null> {
    const row = this.rows.get(id);
    return row ? { ...row } : null;
  }

  async decisions(id: number): Promise<DecisionRecord[]> {
    return this.decisionRows.filter((d) => d.requestId === id).map(({ requestId: _, ...decision }) => decision);
  }

  async transition(id: number, to: RequestStatus, patch: RequestPatch, audit: AuditEntry): Promise<Recorded | null> {
    const row = this.rows.get(id);
    if (!row || !statusesLeadingTo(to).includes(row.status)) return null;
    Object.assign(row, patch, { status: to });
    return { request: { ...row }, auditEventId: this.log.append(id, audit) };
  }

  async approve(id: number, approverId: string, now: Date): Promise<{ outcome: ApprovalOutcome; auditEventIds: bigint[] }> {
    const row = this.lockForDecision(id, now);
    if ('timedOut' in row) return { outcome: { kind: 'timed_out' }, auditEventIds: [row.timedOut] };
    if (row.status !== 'PENDING') return { outcome: { kind: 'not_pending', status: row.status }, auditEventIds: [] };
    if (this.decisionRows.some((d) => d.requestId === id && d.userId === approverId)) {
      return { outcome: { kind: 'duplicate' }, auditEventIds: [] };
    }
    this.decisionRows.push({ requestId: id, userId: approverId, kind: 'APPROVE', comment: null, createdAt: this.clock.now() });
    const approvals = this.decisionRows.filter((d) => d.requestId === id && d.kind === 'APPROVE').length;
    const outcome = approvalOutcome(approvals, row.approvalsRequired);
    const auditEventIds = [
      this.log.append(id, { actor: approverId, action: 'approval_recorded', detail: { approvals, required: row.approvalsRequired } }),
    ];
    if (outcome.kind === 'approved') {
      Object.assign(row, { status: 'APPROVED', decidedAt: now });
      auditEventIds.push(this.log.append(id, { actor: approverId, action: 'approved', detail: { approvals } }));
    }
    return { outcome, auditEventIds };
  }

  async deny(id: number, userId: string, comment: string | null, now: Date): Promise<Recorded | { timedOut: bigint } | null> {
    const row = this.lockForDecision(id, now);
    if ('timedOut' in row) return row;
    if (row.status !== 'PENDING') return null;
    const earlier = this.decisionRows.findIndex((d) => d.requestId === id && d.userId === userId);
    if (earlier !== -1) this.decisionRows.splice(earlier, 1);
    this.decisionRows.push({ requestId: id, userId, kind: 'DENY', comment, createdAt: this.clock.now() });
    Object.assign(row, { status: 'DENIED', decidedAt: now });
    return { request: { ...row }, auditEventId: this.log.append(id, { actor: userId, action: 'denied', detail: { comment } }) };
  }

  async requestRevoke(id: number, userId: string, now: Date, reason?: string): Promise<(Recorded & { pendingRemoval: boolean }) | null> {
    const row = this.row(id);
    const why = reason === undefined ? {} : { reason };
    if (row.status === 'APPROVED') {
      Object.assign(row, { status: 'REVOKED', endedBy: userId, endedAt: now, endReason: reason ?? null });
      const auditEventId = this.log.append(id, { actor: userId, action: 'revoked', detail: { before: 'grant applied', ...why } });
      return { request: { ...row }, auditEventId, pendingRemoval: false };
    }
    if (!HOLDS_ACCESS.includes(row.status) || row.endedBy) return null;
    Object.assign(row, { endedBy: userId, endReason: reason ?? null });
    const entry: AuditEntry = { actor: userId, action: 'revoke_requested', ...(reason !== undefined && { detail: why }) };
    return { request: { ...row }, auditEventId: this.log.append(id, entry), pendingRemoval: true };
  }

  async liveGrantsOn(levels: readonly LevelRef[], now: Date, limit: number): Promise<AccessRequestRecord[]> {
    return this.all()
      .filter((r) => isLive(r, now) && levels.some((l) => l.resourceId === r.resourceId && l.level === r.level))
      .sort((a, b) => a.id - b.id)
      .slice(0, limit);
  }

  async recordSessionSeen(id: number, at: Date): Promise<void> {
    const row = this.row(id);
    if (!row.lastSessionSeenAt || row.lastSessionSeenAt < at) row.lastSessionSeenAt = at;
  }

  async audit(id: number | null, entry: AuditEntry): Promise<bigint> {
    return this.log.append(id, entry);
  }

  async anchorAudit(): Promise<{ anchor: Anchor; eventId: bigint } | null> {
    const last = this.log.events.at(-1);
    if (!last || last.action === ANCHOR_ACTION) return null;
    const anchor = { id: last.id, count: this.log.events.length, hash: last.id.toString(16).padStart(64, '0') };
    return { anchor, eventId: this.log.append(null, { actor: 'system', action: ANCHOR_ACTION, detail: { anchor: formatAnchor(anchor) } }) };
  }

  async countSince(requesterId: string, since: Date, breakGlassOnly = false): Promise<number> {
    return this.all().filter((r) => r.requesterId === requesterId && r.createdAt >= since && (!breakGlassOnly || r.breakGlass)).length;
  }

  async recordReview(id: number, reviewerId: string, comment: string, now: Date): Promise<Recorded | null> {
    const row = this.rows.get(id);
    if (!row || !row.breakGlass || row.reviewedAt) return null;
    Object.assign(row, { reviewedBy: reviewerId, reviewedAt: now, reviewComment: comment, messageStatus: null });
    return {
      request: { ...row },
      auditEventId: this.log.append(id, { actor: reviewerId, action: 'break_glass_reviewed', detail: { reason: comment } }),
    };
  }

  async reviewsDue(now: Date, limit: number): Promise<ReviewsDue> {
    const late = this.all().filter((r) => r.breakGlass && r.reviewedAt === null && r.reviewDueAt !== null && r.reviewDueAt <= now);
    const ids = (rows: StoredRequest[]) => rows.slice(0, limit).map((r) => r.id);
    return {
      overdue: ids(late.filter((r) => r.reviewEscalatedAt === null)),
      unsent: ids(late.filter((r) => r.reviewEscalatedAt !== null && r.reviewEscalationSentAt === null)),
    };
  }

  async claimReviewEscalation(id: number, now: Date): Promise<Recorded | null> {
    const row = this.rows.get(id);
    if (!row || !reviewOverdue(row, now)) return null;
    Object.assign(row, { reviewEscalatedAt: now, messageStatus: null });
    return { request: { ...row }, auditEventId: this.log.append(id, { actor: 'system', action: 'break_glass_escalated' }) };
  }

  async revokeFailuresDue(now: Date, thresholdSeconds: number, limit: number): Promise<AccessRequestRecord[]> {
    return this.all()
      .filter((r) => revokeFailureAlertDue(r, now, thresholdSeconds))
      .sort((a, b) => a.revokeFailedAt!.getTime() - b.revokeFailedAt!.getTime())
      .slice(0, limit);
  }

  async recordRevokeFailureAlert(id: number, now: Date, thresholdSeconds: number, audit: AuditEntry): Promise<bigint | null> {
    const row = this.rows.get(id);
    if (!row || !revokeFailureAlertDue(row, now, thresholdSeconds)) return null;
    row.revokeFailedAlertedAt = now;
    return this.log.append(id, audit);
  }

  async markReviewEscalationSent(id: number): Promise<void> {
    const row = this.row(id);
    if (!row.reviewEscalationSentAt) row.reviewEscalationSentAt = this.clock.now();
  }

  async listForRequester(requesterId: string, limit = 20): Promise<AccessRequestRecord[]> {
    return this.all()
      .filter((r) => r.requesterId === requesterId)
      .reverse()
      .slice(0, limit);
  }

  async awaitingDecision(levels: readonly LevelRef[], userId: string, now: Date, limit: number) {
    const decided = new Set(this.decisionRows.filter((d) => d.userId === userId).map((d) => d.requestId));
    const awaiting = this.all().filter(
      (r) =>
        r.status === 'PENDING' &&
        r.pendingExpiresAt > now &&
        r.requesterId !== userId &&
        !decided.has(r.id) &&
        levels.some((l) => l.resourceId === r.resourceId && l.level === r.level),
    );
    return { requests: awaiting.slice(0, limit), total: awaiting.length };
  }

  async liveOn(resourceId: string, now: Date, only?: { identity: string; exceptId: number }): Promise<AccessRequestRecord[]> {
    return this.all().filter(
      (r) =>
        r.resourceId === resourceId &&
        (!only || (r.targetIdentity === only.identity && r.id !== only.exceptId)) &&
        ((r.status === 'APPROVED' && !startIsAhead(r, now)) || isLive(r, now)),
    );
  }

  async holdersOf(resourceId: string, level: string, now: Date, options: { exceptId: number; limit: number }) {
    const holding = this.all().filter(
      (r) => r.resourceId === resourceId && r.level === level && r.id !== options.exceptId && isLive(r, now),
    );
    const identities = [...new Set(holding.map((r) => r.targetIdentity))].sort();
    return { identities: identities.slice(0, options.limit), total: identities.length };
  }

  async due(now: Date, horizon: Date, limit: number): Promise<DueWork> {
    const byExpiry = (a: AccessRequestRecord, b: AccessRequestRecord) => a.expiresAt!.getTime() - b.expiresAt!.getTime();
    const ids = (rows: AccessRequestRecord[]) => rows.slice(0, limit).map((r) => r.id);
    const rows = this.all();
    return {
      pendingPastTimeout: ids(rows.filter((r) => r.status === 'PENDING' && r.pendingExpiresAt <= now)),
      approved: ids(rows.filter((r) => r.status === 'APPROVED' && !startIsAhead(r, now))),
      startingSoon: rows
        .filter((r) => r.status === 'APPROVED' && startIsAhead(r, now) && r.startsAt! <= horizon)
        .sort((a, b) => a.startsAt!.getTime() - b.startsAt!.getTime())
        .slice(0, limit)
        .map((r) => ({ id: r.id, startsAt: r.startsAt! })),
      pastExpiry: ids(rows.filter((r) => HOLDS_ACCESS.includes(r.status) && r.expiresAt !== null && r.expiresAt <= now).sort(byExpiry)),
      expiringSoon: rows
        .filter((r) => r.status === 'ACTIVE' && r.expiresAt !== null && r.expiresAt > now && r.expiresAt <= horizon)
        .sort(byExpiry)
        .slice(0, limit)
        .map((r) => ({ id: r.id, expiresAt: r.expiresAt! })),
      warningsDue: rows
        .filter((r) => isLive(r, now) && r.expiryWarnedAt === null && r.expiryWarningAt !== null && r.expiryWarningAt <= horizon)
        .sort((a, b) => a.expiryWarningAt!.getTime() - b.expiryWarningAt!.getTime())
        .slice(0, limit)
        .map((r) => ({ id: r.id, at: r.expiryWarningAt! })),
    };
  }

  async lagging(now: Date, settleMs: number, limit: number): Promise<LaggingWork> {
    const settled = now.getTime() - settleMs;
    const recent = (r: StoredRequest) => r.createdAt.getTime() > now.getTime() - SLACK_CATCH_UP_MS;
    // Like SQL's greatest(): missing values are left out, and none at all is no answer.
    const before = (dates: (Date | null)[], limitMs: number) => {
      const known = dates.filter((d): d is Date => d !== null).map((d) => d.getTime());
      return known.length > 0 && Math.max(...known) < limitMs;
    };
    const rows = this.all();
    const ids = (matching: StoredRequest[]) => matching.slice(0, limit).map((r) => r.id);
    return {
      messages: ids(
        rows.filter(
          (r) =>
            recent(r) &&
            r.messageStatus !== r.status &&
            before([r.createdAt, r.decidedAt, r.grantedAt, r.endedAt, r.messageClaimedAt], settled),
        ),
      ),
      notices: rows
        .filter((r) => recent(r) && r.status in FINAL_NOTICES && r.notifiedStatus !== r.status && before([r.decidedAt, r.endedAt], settled))
        .slice(0, limit)
        .map((r) => ({ id: r.id, status: r.status })),
      access: ids(
        rows.filter((r) => isLive(r, now) && r.accessDeliveredAt === null && r.grantedAt !== null && r.grantedAt.getTime() < settled),
      ),
      secrets: ids(
        rows.filter(
          (r) =>
            r.secretDmTs !== null &&
            r.secretClearedAt === null &&
            (r.status === 'EXPIRED' || r.status === 'REVOKED') &&
            r.endedAt !== null &&
            r.endedAt.getTime() < settled,
        ),
      ),
    };
  }

  async claimMessage(id: number, now: Date): Promise<boolean> {
    const row = this.rows.get(id);
    const claimable =
      row && row.messageTs === null && (!row.messageClaimedAt || row.messageClaimedAt.getTime() < now.getTime() - CLAIM_LEASE_MS);
    if (claimable) row.messageClaimedAt = now;
    return Boolean(claimable);
  }

  async awaitingReminders(now: Date, createdBefore: Date, limit: number): Promise<AwaitingReminder[]> {
    return this.all()
      .filter(
        (r) =>
          r.status === 'PENDING' &&
          (r.remindedAt === null || r.escalatedAt === null) &&
          r.createdAt <= createdBefore &&
          r.pendingExpiresAt > now &&
          r.messageTs !== null,
      )
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      .slice(0, limit);
  }

  async claimStep(id: number, step: ReminderStep, now: Date): Promise<boolean> {
    const row = this.rows.get(id);
    const { claimedAt, sentAt } = STEP_COLUMNS[step];
    const claim = row?.[claimedAt];
    const claimable =
      row &&
      row.status === 'PENDING' &&
      row.pendingExpiresAt > now &&
      row[sentAt] === null &&
      (!claim || claim.getTime() < now.getTime() - CLAIM_LEASE_MS);
    if (claimable) row[claimedAt] = now;
    return Boolean(claimable);
  }

  async releaseStep(id: number, step: ReminderStep, claimedAt: Date): Promise<void> {
    const row = this.row(id);
    const columns = STEP_COLUMNS[step];
    if (row[columns.claimedAt]?.getTime() === claimedAt.getTime() && row[columns.sentAt] === null) row[columns.claimedAt] = null;
  }

  async recordStep(id: number, step: ReminderStep, sentAt: Date, audit: AuditEntry): Promise<bigint | null> {
    const row = this.row(id);
    const column = STEP_COLUMNS[step].sentAt;
    if (row[column] !== null) return null;
    row[column] = sentAt;
    return this.log.append(id, audit);
  }

  async setMessage(id: number, channelId: string, messageTs: string): Promise<boolean> {
    const row = this.rows.get(id);
    if (!row || row.messageTs !== null) return false;
    Object.assign(row, { channelId, messageTs });
    return true;
  }

  async markMessageShown(id: number, status: RequestStatus): Promise<void> {
    this.row(id).messageStatus = status;
  }

  async markNotified(id: number, status: RequestStatus): Promise<void> {
    this.row(id).notifiedStatus = status;
  }

  async markAccessDelivered(id: number, secretDm?: { channel: string; ts: string }): Promise<void> {
    const row = this.row(id);
    if (row.accessDeliveredAt) return;
    Object.assign(row, {
      accessDeliveredAt: this.clock.now(),
      ...(secretDm && { secretDmChannel: secretDm.channel, secretDmTs: secretDm.ts }),
    });
  }

  async markSecretCleared(id: number): Promise<void> {
    const row = this.row(id);
    if (!row.secretClearedAt) row.secretClearedAt = this.clock.now();
  }

  async claimExpiryWarning(id: number, now: Date): Promise<boolean> {
    const row = this.rows.get(id);
    const claimable =
      row &&
      isLive(row, now) &&
      row.expiryWarnedAt === null &&
      (!row.warningClaimedAt || row.warningClaimedAt.getTime() < now.getTime() - 60_000);
    if (claimable) row.warningClaimedAt = now;
    return Boolean(claimable);
  }

  async markExpiryWarned(id: number, now: Date, audit: AuditEntry): Promise<bigint | null> {
    const row = this.row(id);
    if (row.expiryWarnedAt) return null;
    row.expiryWarnedAt = now;
    return this.log.append(id, audit);
  }

  private all(): StoredRequest[] {
    return [...this.rows.values()].sort((a, b) => a.id - b.id).map((r) => ({ ...r }));
  }

  private row(id: number): StoredRequest {
    const row = this.rows.get(id);
    if (!row) throw new Error(`no request #${id}`);
    return row;
  }

  /** As the real store does under its row lock: a pending request past its timeout is timed out here. */
  private lockForDecision(id: number, now: Date): StoredRequest | { timedOut: bigint } {
    const row = this.row(id);
    if (!pastPendingTimeout(row, now)) return row;
    Object.assign(row, { status: 'TIMED_OUT', decidedAt: now });
    return { timedOut: this.log.append(id, TIMED_OUT_ENTRY) };
  }
}

/** The schedules asked for, in order. */
export class FakeSchedule implements Schedule {
  readonly grants: number[] = [];
  readonly scheduledGrants: { requestId: number; at: Date }[] = [];
  readonly revokes: { requestId: number; at: Date }[] = [];
  readonly revokesNow: number[] = [];
  readonly pendingTimeouts: { requestId: number; at: Date }[] = [];
  readonly warnings: { requestId: number; at: Date }[] = [];

  async grant(requestId: number) {
    this.grants.push(requestId);
  }

  async grantAt(requestId: number, at: Date) {
    this.scheduledGrants.push({ requestId, at });
  }

  async revokeAt(requestId: number, at: Date) {
    this.revokes.push({ requestId, at });
  }

  async revokeNow(requestId: number) {
    this.revokesNow.push(requestId);
  }

  async expirePendingAt(requestId: number, at: Date) {
    this.pendingTimeouts.push({ requestId, at });
  }

  async warnBeforeExpiryAt(requestId: number, at: Date) {
    this.warnings.push({ requestId, at });
  }
}

/** The announcements asked for, in order, each as `method #request detail`: easy to read in an assertion. */
export class FakeAnnouncements implements Announcements {
  readonly said: string[] = [];

  async syncApprovalMessage(requestId: number, notice?: RequesterNotice) {
    this.said.push(`sync #${requestId}${notice ? ` ${notice}` : ''}`);
  }

  async notify(requestId: number, notice: RequesterNotice) {
    this.said.push(`notify #${requestId} ${notice}`);
  }

  async postAudit(auditEventIds: readonly bigint[]) {
    this.said.push(`audit ${auditEventIds.join(',')}`);
  }

  async resyncApprovalMessage(requestId: number) {
    this.said.push(`resync #${requestId}`);
  }

  async resendAccess(requestId: number) {
    this.said.push(`resend access #${requestId}`);
  }

  async clearSecret(requestId: number) {
    this.said.push(`clear secret #${requestId}`);
  }

  async sendReminderStep(requestId: number, step: ReminderStep) {
    this.said.push(`${step} #${requestId}`);
  }

  async escalateReview(requestId: number) {
    this.said.push(`escalate review #${requestId}`);
  }

  /** Kept apart from `said`: every change refreshes the homes showing it. */
  readonly homesRefreshed: number[] = [];
  readonly homesPublished: string[] = [];

  async refreshHomes(requestId: number) {
    this.homesRefreshed.push(requestId);
  }

  async publishHome(userId: string) {
    this.homesPublished.push(userId);
  }
}

/** Slack profiles and user-group memberships. */
export class FakeDirectory implements Directory {
  readonly profiles = new Map<string, Omit<SlackProfile, 'userId'>>();
  readonly memberships = new Map<string, string[]>();

  async profile(userId: string, _options: { customFields: boolean }): Promise<SlackProfile> {
    return { userId, emailConfirmed: false, ...this.profiles.get(userId) };
  }

  async groupsOf(userId: string, groupIds: readonly string[]): Promise<Set<string>> {
    return new Set((this.memberships.get(userId) ?? []).filter((g) => groupIds.includes(g)));
  }

  async membersOf(groupIds: readonly string[]): Promise<Set<string>> {
    return new Set([...this.memberships].filter(([, groups]) => groups.some((g) => groupIds.includes(g))).map(([user]) => user));
  }
}

/** The first user to claim an identity keeps it, unless the catalog's map says otherwise. */
export class FakeIdentityBindings implements IdentityBindings {
  readonly holders = new Map<string, string>();

  async bind(resourceId: string, identity: string, slackUserId: string, { explicit }: { explicit: boolean }): Promise<string> {
    const key = `${resourceId}/${identity}`;
    if (explicit || !this.holders.has(key)) this.holders.set(key, slackUserId);
    return this.holders.get(key)!;
  }
}

/**
 * A target that holds permissions in memory, keyed as its provider keys them. `sharedKey`: grants of one
 * identity to one role share a permission (like PostgreSQL's grant-role), else each request has its own.
 * `listsHolders`: it can list who holds a role, for the drift check.
 */
export class FakeTarget implements AccessProvider {
  /** Permissions held now: access key → the role it gives. */
  readonly held = new Map<string, unknown>();
  readonly calls: string[] = [];
  /** Thrown by the next call of that kind, once. */
  readonly failNext: { grant?: Error; revoke?: Error } = {};
  /** A revoke that reports success and leaves the permission in place. */
  revokeIsIgnored = false;
  oneTimeSecret?: string;
  accessKey?: (spec: GrantSpec) => string;
  holders?: (target: Record<string, unknown>) => Promise<string[]>;
  sessions?: (spec: GrantSpec) => Promise<TargetSession[]>;
  /** With `listsSessions`: the sessions open now, by identity. */
  readonly openSessions = new Map<string, TargetSession[]>();
  /** With `listsSessions`: the next sessions call throws this, once. */
  sessionsFailNext?: Error;

  constructor(options: FakeTargetOptions = {}) {
    if (options.listsSessions) {
      this.sessions = async (spec) => {
        this.calls.push(`sessions #${spec.requestId}`);
        const error = this.sessionsFailNext;
        this.sessionsFailNext = undefined;
        if (error) throw error;
        return this.openSessions.get(spec.identity) ?? [];
      };
    }
    if (options.sharedKey) this.accessKey = (spec) => `${spec.identity}→${String(spec.target.role)}`;
    if (options.listsHolders) {
      this.holders = async (target) => [...this.held].filter(([, role]) => role === target.role).map(([key]) => key);
    }
  }

  /** A session of `identity` opened (with `listsSessions`), as a grantee logging in would. */
  openSession(identity: string, id = '1'): void {
    const session: TargetSession = { id, startedAt: null, clientAddress: null, application: 'psql', state: 'idle', statement: null };
    this.openSessions.set(identity, [...(this.openSessions.get(identity) ?? []), session]);
  }

  closeSessions(identity: string): void {
    this.openSessions.delete(identity);
  }

  /** A permission given outside prod-access, named as a shared-key grant of it would be. */
  grantByHand(identity: string, role: string): string {
    const key = `${identity}→${role}`;
    this.held.set(key, role);
    return key;
  }

  async grant(spec: GrantSpec): Promise<AccessInstructions> {
    this.calls.push(`grant #${spec.requestId}`);
    this.throwIfAsked('grant');
    this.held.set(accessKeyOf(this, spec), spec.target.role);
    return { lines: [`connect as ${spec.identity}`], ...(this.oneTimeSecret !== undefined && { oneTimeSecret: this.oneTimeSecret }) };
  }

  async revoke(spec: GrantSpec): Promise<void> {
    this.calls.push(`revoke #${spec.requestId}`);
    this.throwIfAsked('revoke');
    if (!this.revokeIsIgnored) this.held.delete(accessKeyOf(this, spec));
  }

  async check(spec: GrantSpec): Promise<boolean> {
    return this.held.has(accessKeyOf(this, spec));
  }

  private throwIfAsked(call: 'grant' | 'revoke') {
    const error = this.failNext[call];
    if (!error) return;
    delete this.failNext[call];
    throw error;
  }
}

export interface FakeTargetOptions {
  sharedKey?: boolean;
  listsHolders?: boolean;
  /** Lists the sessions `openSession` opened (the `sessions` capability). */
  listsSessions?: boolean;
}

/** One FakeTarget per resource, made on first use; `providers` is the port. */
export class FakeProviders {
  readonly targets = new Map<string, FakeTarget>();

  constructor(private readonly options: (resourceId: string) => FakeTargetOptions = () => ({})) {}

  readonly providers: Providers = (resource: Resource) => this.target(resource.id);

  target(resourceId: string): FakeTarget {
    let target = this.targets.get(resourceId);
    if (!target) {
      target = new FakeTarget(this.options(resourceId));
      this.targets.set(resourceId, target);
    }
    return target;
  }
}

/** The access DMs sent, secrets included (they never leave this fake). */
export class FakeDelivery implements AccessDelivery {
  readonly delivered: { requestId: number; lines: string[]; oneTimeSecret?: string }[] = [];
  failNext?: Error;

  async deliverAccess(requestId: number, lines: string[], oneTimeSecret?: string): Promise<void> {
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = undefined;
      throw error;
    }
    this.delivered.push({ requestId, lines, ...(oneTimeSecret !== undefined && { oneTimeSecret }) });
  }
}

const approvers = { users: ['UMGR1', 'UMGR2'], groups: ['SDBAS'] };
const level = (id: string, role: string, approvalsRequired: number, extra: Partial<AccessLevel> = {}): AccessLevel => ({
  id,
  description: '',
  target: { role },
  maxDurationSeconds: 4 * 3600,
  defaultDurationSeconds: 3600,
  approvalsRequired,
  approvers,
  requesters: null,
  confirmApproval: approvalsRequired >= 2,
  reminders: null,
  breakGlass: null,
  warnBeforeSeconds: 600,
  idle: null,
  ...extra,
});

/**
 * The catalog the use-case tests run on. `orders-db` keys a permission by identity and role (overlapping
 * grants share it) and lists its holders; `flags` keys each grant by request and is open to UDEV only.
 */
export const TEST_CATALOG: Catalog = {
  auditChannel: 'CAUDIT',
  pendingTimeoutSeconds: 3600,
  resources: [
    {
      id: 'orders-db',
      name: 'Orders',
      description: '',
      ownersChannel: 'CORDERS',
      provider: { kind: 'postgres', settings: {} },
      identity: {
        map: { UDEV: 'dev' },
        fromEmail: 'local-part',
        emailDomains: ['example.com'],
        fromProfileField: null,
        patterns: ['^[a-z]+$'],
      },
      levels: [level('read-only', 'orders_read', 1), level('write', 'orders_write', 2)],
    },
    {
      id: 'flags',
      name: 'Feature flags',
      description: '',
      ownersChannel: 'CFLAGS',
      provider: { kind: 'webhook', settings: {} },
      identity: { map: { UDEV: 'dev' }, fromEmail: 'none', emailDomains: [], fromProfileField: null, patterns: ['^[a-z]+$'] },
      levels: [level('toggle', 'flags_toggle', 1, { requesters: { users: ['UDEV'], groups: [] } })],
    },
  ],
};

/** Every port faked, wired as the composition root wires the real ones: pass it (or a part) as a use-case's deps. */
/** What the use-cases reported, as `[method, argument]` in order. */
export class FakeMetrics implements Metrics {
  readonly reported: [keyof Metrics, unknown][] = [];
  requestSubmitted = (at: LevelRef) => void this.reported.push(['requestSubmitted', at]);
  requestRefused = (code: string) => void this.reported.push(['requestRefused', code]);
  decided = (decision: 'approve' | 'deny') => void this.reported.push(['decided', decision]);
  granted = (at: Parameters<Metrics['granted']>[0]) => void this.reported.push(['granted', at]);
  revoked = (at: Parameters<Metrics['revoked']>[0]) => void this.reported.push(['revoked', at]);
  reconciled = (repaired: Record<string, number>) => void this.reported.push(['reconciled', repaired]);
  driftFound = (found: readonly LevelRef[]) => void this.reported.push(['driftFound', found]);
}

export function fakeWorld(catalog: Catalog = TEST_CATALOG) {
  const clock = new FakeClock();
  const audit = new FakeAuditLog(clock);
  const targets = new FakeProviders((resourceId) =>
    resourceId === 'orders-db' ? { sharedKey: true, listsHolders: true, listsSessions: true } : {},
  );
  return {
    catalog,
    clock,
    audit,
    requests: new FakeRequestStore(clock, audit),
    schedule: new FakeSchedule(),
    announcements: new FakeAnnouncements(),
    directory: new FakeDirectory(),
    identities: new FakeIdentityBindings(),
    targets,
    providers: targets.providers,
    delivery: new FakeDelivery(),
    metrics: new FakeMetrics(),
    rateLimit: { requests: 5, windowSeconds: 3600 },
    breakGlassRateLimit: { requests: 2, windowSeconds: 86_400 },
  };
}

export type FakeWorld = ReturnType<typeof fakeWorld>;

/** The grant job's retry policy, as the worker passes it: a failure it will retry, or its final one. */
export const NOT_FINAL = (): boolean => false;
export const FINAL = (): boolean => true;

/** A request (UDEV's on orders-db unless `fields` say otherwise) approved and applied by the grant job now; its id. */
export async function grantAccess(w: FakeWorld, fields: Partial<AccessRequestRecord> = {}): Promise<number> {
  const { id } = w.requests.seed({ ...fields, status: 'APPROVED' });
  await grantOrFail(w)(id, NOT_FINAL);
  return id;
}
