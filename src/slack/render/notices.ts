import type { KnownBlock } from '@slack/types';
import type { BreakGlass, Resource } from '../../domain/catalog';
import type { AccessRequestRecord, DecisionRecord, RequesterNotice } from '../../domain/request';
import { windowEnd } from '../../domain/scheduled-start';
import { formatDuration, mention, peopleMentions, plain, slackDate } from './format';
import { grantButtons } from './grant-buttons';

/** The DM that tells the requester where their request went. */
export function requesterNotice(
  notice: RequesterNotice,
  request: AccessRequestRecord,
  resource: Resource,
  decisions: DecisionRecord[],
): string {
  const what = `#${request.id} (${request.level} on ${plain(resource.name)})`;
  const denial = decisions.find((d) => d.kind === 'DENY');
  switch (notice) {
    case 'approved':
      return request.startsAt && !request.grantedAt
        ? `:white_check_mark: Your request ${what} was approved for ${slackDate(request.startsAt)} until ${slackDate(windowEnd(request.startsAt, request.durationSeconds))}. Access is granted at the start (at once if that has passed); you will get a DM then.`
        : `:white_check_mark: Your request ${what} was approved. Granting access now…`;
    case 'denied':
      return `:no_entry: Your request ${what} was denied by ${denial ? mention(denial.userId) : 'an approver'}${denial?.comment ? `: ${plain(denial.comment)}` : '.'}`;
    case 'timed_out':
      return `:zzz: Your request ${what} expired: nobody decided in time. Ask again if you still need access.`;
    case 'expired':
      return `:lock: Your access ${what} has ended at its expiry.`;
    case 'revoked':
      if (request.endReason) return `:lock: Your access ${what} was revoked by prod-access: ${plain(request.endReason)}.`;
      return `:lock: Your access ${what} was revoked${request.endedBy && request.endedBy !== request.requesterId ? ` by ${mention(request.endedBy)}` : ''}.`;
    case 'failed':
      return `:x: Your access ${what} could not be granted: ${plain(request.failureReason ?? 'unknown error')}`;
  }
}

/** What the DM that carried a one-time secret says once the access has ended: the secret is gone from it. */
export function secretCleared(request: AccessRequestRecord, resource: Resource): string {
  const ended = request.endedAt ? ` on ${slackDate(request.endedAt)}` : '';
  return `:lock: Your access #${request.id} (${request.level} on ${plain(resource.name)}) ended${ended}; its one-time password was removed from this message.`;
}

/**
 * The DM with how to use the access; a one-time secret appears here and nowhere else. `secret` is shown
 * once; `secretLost` says one was issued but the DM that carried it was never delivered (it is stored
 * nowhere, so it cannot be sent again).
 */
export function accessDelivered(
  request: AccessRequestRecord,
  resource: Resource,
  lines: string[],
  { secret: oneTimeSecret, secretLost = false }: { secret?: string; secretLost?: boolean },
): string {
  const secret = oneTimeSecret
    ? `\nPassword (shown once, never stored): \`${oneTimeSecret}\``
    : secretLost
      ? `\nThe one-time password could not be delivered and is kept nowhere. For a new one, give this access back with \`/prod-access revoke ${request.id}\` and ask again.`
      : '';
  return (
    [
      `:key: Your access #${request.id} (${request.level} on ${plain(resource.name)}) is active ${request.startsAt ? `from ${slackDate(request.startsAt)}` : `for ${formatDuration(request.durationSeconds)}`}, until ${slackDate(request.expiresAt!)}.`,
      ...lines.map((line) => `• ${line}`),
    ].join('\n') +
    secret +
    `\nGive it back early with \`/prod-access revoke ${request.id}\`.`
  );
}

/** The owners' channel's escalation of a break-glass grant nobody reviewed in time: loud, naming its reviewers. */
export function reviewEscalation(request: AccessRequestRecord, resource: Resource, breakGlass: BreakGlass): string {
  const due = request.reviewDueAt ? ` by ${slackDate(request.reviewDueAt)}` : '';
  return (
    `:rotating_light: <!here> ${peopleMentions(breakGlass.reviewers)} Break-glass #${request.id} (${request.level} on ${plain(resource.name)}, ` +
    `taken by ${mention(request.requesterId)} without an approver) was not reviewed${due}. ` +
    `Review it with the *Reviewed* button on its message in this channel.`
  );
}

/**
 * The DM before a grant ends: when, and the buttons to ask for more time or give it back now. When
 * another grant of the requester's (`coveredBy`, an extension) keeps the access past that end, it says
 * so instead, with nothing to click.
 */
export function expiryWarning(
  request: AccessRequestRecord,
  resource: Resource,
  coveredBy: AccessRequestRecord | null,
): { text: string; blocks: KnownBlock[] } {
  const what = `Your access #${request.id} (${request.level} on ${plain(resource.name)}) ends ${slackDate(request.expiresAt!)}`;
  const text = coveredBy
    ? `:hourglass_flowing_sand: ${what}; #${coveredBy.id} keeps the same access until ${slackDate(coveredBy.expiresAt!)}, so nothing needs doing.`
    : `:hourglass_flowing_sand: ${what}. Need more time? *Extend* asks the owners for it. Finished? *I'm done* gives it back now.`;
  const section: KnownBlock = { type: 'section', text: { type: 'mrkdwn', text } };
  return { text, blocks: coveredBy ? [section] : [section, grantButtons(request.id)] };
}

/**
 * Slack cuts a message's text beyond this many characters (api.slack.com/changelog/2018-04-truncating-really-long-messages),
 * so an audit message never goes over it.
 */
export const MESSAGE_TEXT_LIMIT = 40_000;

/** A reason shown in an audit line at most this long, so that one line always fits in a message. */
const AUDIT_REASON_LIMIT = 1000;

/** One line per audit event in the audit channel; `count` > 1 when it stands for repeated refusals. */
export function auditLine(
  event: { action: string; actor: string; at: Date; detail: unknown },
  request: AccessRequestRecord | null,
  permalink: string | null,
  count = 1,
): string {
  // An operator at the command line is named as given, not as a Slack user.
  const who =
    event.actor === 'system'
      ? 'prod-access'
      : /^[UW][A-Z0-9]+$/.test(event.actor)
        ? mention(event.actor)
        : `${plain(event.actor, 64)} (command line)`;
  const subject = request ? ` #${request.id} ${request.level} on \`${request.resourceId}\` for ${mention(request.requesterId)}` : '';
  const reason = reasonOf(event.detail);
  const link = permalink ? ` <${permalink}|view request>` : '';
  const times = count > 1 ? ` (${count} times, the first at this time)` : '';
  const anchor = anchorOf(event.detail);
  const check = anchor ? ` Check with \`prod-access audit verify --anchor ${anchor}\`.` : '';
  return `${slackDate(event.at, '{date_short} {time_secs}')} *${event.action.replace(/_/g, ' ')}*${subject} by ${who}${reason ? `: ${plain(reason, AUDIT_REASON_LIMIT)}` : ''}${times}.${link}${check}`;
}

/** The chain head an `audit_anchored` event names (digits, colons and hex only). */
function anchorOf(detail: unknown): string | undefined {
  const anchor = detail && typeof detail === 'object' && 'anchor' in detail ? detail.anchor : undefined;
  return typeof anchor === 'string' && /^[0-9a-f:]+$/.test(anchor) ? anchor : undefined;
}

/** What an event says in words: its reason, or an access digest's summary. */
function reasonOf(detail: unknown): string | undefined {
  if (!detail || typeof detail !== 'object') return undefined;
  const words = 'reason' in detail ? detail.reason : 'summary' in detail ? detail.summary : undefined;
  return typeof words === 'string' ? words : undefined;
}
