import type { RequestFacts } from '../../app/ports';
import type { EscalationTarget } from '../../domain/reminders';
import { formatDuration, groupMention, mention, plain, slackDate } from './format';

/** What the request is, in the words of both steps: `#12 (read-only on Orders database for @alice)`. */
function subject({ request, resource }: RequestFacts): string {
  return `#${request.id} (${request.level} on ${plain(resource.name, 200)} for ${mention(request.requesterId)})`;
}

function approvalsStillNeeded({ request, decisions }: RequestFacts): string {
  const needed = request.approvalsRequired - decisions.filter((d) => d.kind === 'APPROVE').length;
  return `${needed} more approval${needed === 1 ? '' : 's'}`;
}

/**
 * The reply in the approval message's thread: who may still approve (the listed approvers other than the
 * requester and those who already approved, and the approver groups), and how many approvals are missing.
 */
export function reminderText(facts: RequestFacts, waitedSeconds: number): string {
  const { request, decisions, level } = facts;
  const decided = new Set([request.requesterId, ...decisions.map((d) => d.userId)]);
  const approvers = [
    ...level.approvers.users.filter((user) => !decided.has(user)).map(mention),
    ...level.approvers.groups.map(groupMention),
  ];
  return (
    `:bell: ${approvers.join(' ')} ${subject(facts)} has waited ${formatDuration(waitedSeconds)} for a decision and needs ` +
    `${approvalsStillNeeded(facts)}: Approve or Deny above. It times out at ${slackDate(request.pendingExpiresAt)}.`
  );
}

/** The escalation, in its own channel (or the owners'), with a link to the approval message where the buttons are. */
export function escalationText(facts: RequestFacts, to: EscalationTarget, permalink: string | null): string {
  const group = to.group ? `${groupMention(to.group)} ` : '';
  const where = permalink ? `<${permalink}|the approval message>` : 'the approval message';
  return (
    `:rotating_light: ${group}Nobody has decided ${subject(facts)} for ${formatDuration(to.afterSeconds)}; it needs ` +
    `${approvalsStillNeeded(facts)} and times out at ${slackDate(facts.request.pendingExpiresAt)}. Approve or Deny in ${where}.`
  );
}
