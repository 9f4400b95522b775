import { type Catalog, entryOf, findEntry } from '../domain/catalog';
import { dueSteps, type ReminderStep, shortestStepDelaySeconds, stepDelaySeconds } from '../domain/reminders';
import { type AuditEntry, requestNotFound } from '../domain/request';
import type { Announcements, Clock, Messenger, RequestStore } from './ports';

export interface ReminderDeps {
  catalog: Catalog;
  requests: Pick<RequestStore, 'get' | 'decisions' | 'awaitingReminders' | 'claimStep' | 'releaseStep' | 'recordStep'>;
  messenger: Pick<Messenger, 'remindApprovers' | 'escalate'>;
  announcements: Pick<Announcements, 'sendReminderStep' | 'postAudit'>;
  clock: Clock;
  batchSize?: number;
}

export interface SweepReport {
  reminders: number;
  escalations: number;
}

/**
 * Reminders and escalations of the requests nobody decides. A recurring sweep reads from the database
 * which steps are owed and asks for one job per request and step; each job claims its step before posting
 * it and records it once posted, so a step is sent once however many workers, sweeps and retries run,
 * and one whose job Redis lost is asked for again by the next sweep.
 */
export function pendingReminders(deps: ReminderDeps) {
  const limit = deps.batchSize ?? 1000;
  // Posted, but the database did not take the record: recorded first at the next try here, never posted twice.
  const unrecorded = new Map<string, { sentAt: Date; audit: AuditEntry }>();

  async function record(requestId: number, step: ReminderStep, sentAt: Date, audit: AuditEntry): Promise<void> {
    const key = `${requestId}:${step}`;
    unrecorded.set(key, { sentAt, audit });
    const auditEventId = await deps.requests.recordStep(requestId, step, sentAt, audit);
    unrecorded.delete(key);
    if (auditEventId !== null) await deps.announcements.postAudit([auditEventId]);
  }

  return {
    /** Every step owed now, asked for at once (the queues send them together). */
    async sweep(): Promise<SweepReport> {
      const shortest = shortestStepDelaySeconds(deps.catalog);
      if (shortest === null) return { reminders: 0, escalations: 0 };
      const now = deps.clock.now();
      const awaiting = await deps.requests.awaitingReminders(now, new Date(now.getTime() - shortest * 1000), limit);
      // A request whose catalog entry is gone is owed nothing here; its timeout still ends it.
      const owed = awaiting.flatMap((request) =>
        dueSteps(request, findEntry(deps.catalog, request)?.level.reminders ?? null, now).map((step) => ({ id: request.id, step })),
      );
      await Promise.all(owed.map(({ id, step }) => deps.announcements.sendReminderStep(id, step)));
      return {
        reminders: owed.filter((o) => o.step === 'reminder').length,
        escalations: owed.filter((o) => o.step === 'escalation').length,
      };
    },

    /**
     * Posts one step if it is still owed, once. Claimed first, so two runs never both post; a post that
     * fails gives the claim back and throws, so the job's retry (or the next sweep) posts it. Returns what happened.
     */
    async sendStep(requestId: number, step: ReminderStep): Promise<'sent' | 'not owed' | 'claimed elsewhere'> {
      const waiting = unrecorded.get(`${requestId}:${step}`);
      if (waiting) {
        await record(requestId, step, waiting.sentAt, waiting.audit);
        return 'sent';
      }
      const request = await deps.requests.get(requestId);
      if (!request) throw requestNotFound(requestId);
      const entry = entryOf(deps.catalog, request);
      const { reminders } = entry.level;
      const now = deps.clock.now();
      if (!dueSteps(request, reminders, now).includes(step)) return 'not owed';
      if (!(await deps.requests.claimStep(requestId, step, now))) return 'claimed elsewhere';
      const approvalMessage = { channel: request.channelId!, ts: request.messageTs! };
      const facts = { request, decisions: await deps.requests.decisions(requestId), ...entry };
      const delay = stepDelaySeconds(reminders, step)!;
      const post =
        step === 'reminder'
          ? deps.messenger.remindApprovers(approvalMessage, facts, delay)
          : deps.messenger.escalate(approvalMessage, facts, reminders!.escalation!);
      const posted = await post.catch(async (error: unknown) => {
        await deps.requests.releaseStep(requestId, step, now);
        throw error;
      });
      await record(requestId, step, deps.clock.now(), {
        actor: 'system',
        action: step === 'reminder' ? 'reminded' : 'escalated',
        detail: { channel: posted.channel, ts: posted.ts, afterSeconds: delay },
      });
      return 'sent';
    },
  };
}
