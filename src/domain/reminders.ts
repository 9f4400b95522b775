import type { Catalog } from './catalog';
import type { AccessRequestRecord } from './request';

/**
 * What happens to a request nobody decides, before it times out: a reminder in its approval message's
 * thread, then an escalation beyond the owners' channel. Each step is sent once.
 */
export const REMINDER_STEPS = ['reminder', 'escalation'] as const;
export type ReminderStep = (typeof REMINDER_STEPS)[number];

/** Where an escalation goes: a channel (the owners' channel when there is none), mentioning a user group if there is one. */
export interface EscalationTarget {
  afterSeconds: number;
  channel: string | null;
  group: string | null;
}

/** A level's reminders (its own, or its resource's); each step is absent when null. Both come before the pending timeout. */
export interface Reminders {
  remindAfterSeconds: number | null;
  escalation: EscalationTarget | null;
}

/** The facts of a request the due-step rule reads. */
export type ReminderFacts = Pick<
  AccessRequestRecord,
  'status' | 'createdAt' | 'pendingExpiresAt' | 'messageTs' | 'remindedAt' | 'escalatedAt'
>;

/** How long after the request a step is due; null when the level has no such step. */
export function stepDelaySeconds(reminders: Reminders | null, step: ReminderStep): number | null {
  if (!reminders) return null;
  return step === 'reminder' ? reminders.remindAfterSeconds : (reminders.escalation?.afterSeconds ?? null);
}

/**
 * The steps owed now: the request is still pending and not past its timeout (a decided or timed-out
 * request gets none), its approval message is posted (both steps point to it), the step's delay has
 * passed, and it was not sent yet.
 */
export function dueSteps(request: ReminderFacts, reminders: Reminders | null, now: Date): ReminderStep[] {
  if (request.status !== 'PENDING' || request.pendingExpiresAt <= now || request.messageTs === null) return [];
  return REMINDER_STEPS.filter((step) => {
    const delay = stepDelaySeconds(reminders, step);
    const sent = step === 'reminder' ? request.remindedAt : request.escalatedAt;
    return delay !== null && sent === null && request.createdAt.getTime() + delay * 1000 <= now.getTime();
  });
}

/** The shortest delay of any step in the catalog: a request younger than this is owed nothing; null when no level has reminders. */
export function shortestStepDelaySeconds(catalog: Catalog): number | null {
  const delays = catalog.resources.flatMap((resource) =>
    resource.levels.flatMap((level) =>
      REMINDER_STEPS.map((step) => stepDelaySeconds(level.reminders, step)).filter((delay): delay is number => delay !== null),
    ),
  );
  return delays.length > 0 ? Math.min(...delays) : null;
}
