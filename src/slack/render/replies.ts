import type { Resource } from '../../domain/catalog';
import { statusWords } from '../../domain/lifecycle';
import type { AccessRequestRecord, DecisionResult } from '../../domain/request';
import { MAX_START_AHEAD_SECONDS, windowEnd } from '../../domain/scheduled-start';
import { formatDuration, plain, slackDate } from './format';

/** What a person is answered, in the conversation where they typed the command or clicked. */

export function requestAnswer(request: AccessRequestRecord): string {
  const { startsAt } = request;
  const window = startsAt
    ? ` If approved, access starts ${slackDate(startsAt)} and ends ${slackDate(windowEnd(startsAt, request.durationSeconds))}.`
    : '';
  return `Request #${request.id} sent to the owners for approval.${window} You will get a DM at each step.`;
}

export function breakGlassAnswer(request: AccessRequestRecord): string {
  return `:rotating_light: Break-glass #${request.id}: access is being granted now, without an approver. The owners' channel and the audit channel have been told, and a reviewer must review it. You will get a DM with the access.`;
}

export function reviewAnswer(request: AccessRequestRecord): string {
  return `You reviewed break-glass #${request.id}; it is recorded in the audit log.`;
}

export function extensionAnswer(request: AccessRequestRecord, extendedId: number): string {
  return `Request #${request.id}, extending #${extendedId}, sent to the owners for approval. Until it is granted, #${extendedId} still ends at its own time.`;
}

/** `/prod-access revoke`: a grant not applied yet is revoked at once; one in place is being removed. */
export function earlyRevokeAnswer(request: AccessRequestRecord): string {
  return request.status === 'REVOKED'
    ? `Request #${request.id} was revoked before its grant was applied.`
    : `Revoking #${request.id} now; you will get a message when the access is removed.`;
}

/** How an approval or a denial turned out. */
export function decisionAnswer(requestId: number, result: DecisionResult): string {
  switch (result.kind) {
    case 'approved':
      return result.startsAt
        ? `You approved #${requestId}; access will be granted at its start, ${slackDate(result.startsAt)}.`
        : `You approved #${requestId}; access is being granted.`;
    case 'approval_recorded':
      return `Your approval of #${requestId} is recorded (${result.approvals} of ${result.required}).`;
    case 'denied':
      return `You denied #${requestId}.`;
    case 'already_decided':
      return `#${requestId} was already decided (${statusWords(result.status)}); nothing changed.`;
  }
}

export function requestList(requests: AccessRequestRecord[]): string {
  if (requests.length === 0)
    return 'You have no access requests yet. Ask with `/prod-access request <resource> <level> <duration> <reason>`.';
  const lines = requests.map((r) => {
    const when =
      r.status === 'ACTIVE'
        ? `active until ${slackDate(r.expiresAt!)}`
        : r.status === 'PENDING'
          ? `pending until ${slackDate(r.pendingExpiresAt)}`
          : statusWords(r.status);
    // A scheduled one says its window until it has a grant of its own to show.
    const window =
      r.startsAt && !r.grantedAt ? `, from ${slackDate(r.startsAt)} until ${slackDate(windowEnd(r.startsAt, r.durationSeconds))}` : '';
    return `• #${r.id} \`${r.resourceId}\` ${r.level} for ${formatDuration(r.durationSeconds)}${window}: ${when}`;
  });
  return `*Your requests*\n${lines.join('\n')}`;
}

export function helpText(resources: Resource[]): string {
  const catalog = resources
    .map(
      (r) => `• \`${r.id}\` ${plain(r.name)}: ${r.levels.map((l) => `${l.id} (max ${formatDuration(l.maxDurationSeconds)})`).join(', ')}`,
    )
    .join('\n');
  return [
    '*prod-access*: time-limited production access, approved by the owners.',
    '`/prod-access` opens a form; so do the shortcut *Request prod access* and, on a message, *Request prod access about this message* (its ⋯ menu), which puts the message’s link in the form.',
    '`/prod-access request <resource> <level> <duration> <reason…>` asks inline, e.g. `/prod-access request orders-db read-only 1h30m debugging INC-42`.',
    `Add \`--at 22:00\` (the next 22:00 in your Slack time zone) or \`--at 2026-12-02T09:00\` to start later, at most ${MAX_START_AHEAD_SECONDS / 86_400} days ahead: the duration counts from the start.`,
    '`/prod-access list` shows your requests and active grants.',
    '`/prod-access extend <id> <duration> <reason…>` asks for more time on your active grant; once approved, the access runs on for <duration> from then.',
    '`/prod-access revoke <id>` gives access back early.',
    '`/prod-access break-glass <resource> <level> <duration> <reason…>` takes access at once without an approver, on a level that allows it; loud, and reviewed afterwards.',
    'Durations: `30m`, `2h`, `1h30m`, `1d`.',
    '*Resources*',
    catalog,
  ].join('\n');
}
