import type { ActionsBlock, KnownBlock } from '@slack/types';
import type { AccessLevel, Resource } from '../../domain/catalog';
import type { AccessRequestRecord, DecisionRecord } from '../../domain/request';
import { formatDuration, link, mention, plain, slackDate } from './format';

export const APPROVE_ACTION = 'approve_request';
export const DENY_ACTION = 'deny_request';

/** Slack's limit on a section's (and a context element's) text, counted after escaping. */
const SECTION_TEXT = 3000;
/** Room for text of a person's (a comment, a failure) inside one status line, the rest being ours and short. */
const STATUS_DETAIL = 2500;
const REASON_LABEL = '*Reason*\n';

export interface ApprovalMessage {
  text: string;
  blocks: KnownBlock[];
}

/** Where the request stands, in one line for the owners' channel. */
export function statusLine(request: AccessRequestRecord, decisions: DecisionRecord[]): string {
  const approvers = decisions.filter((d) => d.kind === 'APPROVE').map((d) => mention(d.userId));
  const approvedBy = approvers.length > 0 ? ` by ${approvers.join(', ')}` : '';
  switch (request.status) {
    case 'PENDING':
      return approvers.length > 0
        ? `:hourglass_flowing_sand: Approved${approvedBy}; waiting for ${request.approvalsRequired - approvers.length} more approval(s) (until ${slackDate(request.pendingExpiresAt)})`
        : `:hourglass_flowing_sand: Waiting for approval (until ${slackDate(request.pendingExpiresAt)})`;
    case 'APPROVED':
      return `:gear: Approved${approvedBy}; granting…`;
    case 'ACTIVE':
      return `:white_check_mark: Approved${approvedBy}; active until ${slackDate(request.expiresAt!)}`;
    case 'DENIED': {
      const denial = decisions.find((d) => d.kind === 'DENY');
      const why = denial?.comment ? `: ${plain(denial.comment, STATUS_DETAIL)}` : '';
      return `:no_entry: Denied by ${denial ? mention(denial.userId) : 'an approver'}${why}`;
    }
    case 'TIMED_OUT':
      return ':zzz: Expired: nobody decided in time';
    case 'EXPIRED':
      return `:lock: Ended at its expiry (${slackDate(request.endedAt ?? request.expiresAt!)})`;
    case 'REVOKED':
      return `:lock: Revoked early by ${request.endedBy ? mention(request.endedBy) : 'someone'} at ${slackDate(request.endedAt!)}`;
    case 'FAILED':
      return `:x: Failed: ${plain(request.failureReason ?? 'unknown error', STATUS_DETAIL)}`;
    case 'REVOKE_FAILED':
      return `:rotating_light: Revoke is failing and being retried: ${plain(request.failureReason ?? 'unknown error', STATUS_DETAIL)}`;
  }
}

/** The message in the owners' channel; rebuilt from the database at every change and updated in place. */
export function approvalMessage(
  request: AccessRequestRecord,
  decisions: DecisionRecord[],
  resource: Resource,
  level: AccessLevel,
): ApprovalMessage {
  const status = statusLine(request, decisions);
  const fields = [
    `*Requester*\n${mention(request.requesterId)}`,
    `*Resource*\n${plain(resource.name, 200)} (\`${resource.id}\`)`,
    `*Access level*\n${level.id}`,
    `*Duration*\n${formatDuration(request.durationSeconds)}`,
    `*Identity*\n\`${request.targetIdentity}\``,
    `*Approvals needed*\n${request.approvalsRequired}`,
  ];
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: `Access request #${request.id}` } },
    { type: 'section', fields: fields.map((text) => ({ type: 'mrkdwn', text })) },
    // The reason's limit (domain/policy.ts) already fits; the cut only guards rows stored before it.
    { type: 'section', text: { type: 'mrkdwn', text: REASON_LABEL + plain(request.reason, SECTION_TEXT - REASON_LABEL.length) } },
  ];
  const extended = request.extendsRequestId;
  if (extended !== null) {
    const text = `Extends #${extended}: once granted, the access stays when #${extended} ends.`;
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text }] });
  }
  if (request.ticketUrl) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: ticketLine(request.ticketUrl) }] });
  }
  blocks.push({ type: 'divider' }, { type: 'section', text: { type: 'mrkdwn', text: status } });
  if (request.status === 'PENDING') blocks.push(decisionButtons(request));
  const extending = extended === null ? '' : `, extending #${extended}`;
  return {
    text: `Access request #${request.id}: ${level.id} on ${resource.name} for ${formatDuration(request.durationSeconds)}${extending}. ${status}`,
    blocks,
  };
}

/** Approve and Deny, wherever a pending request is shown to its approvers (its message, App Home). */
export function decisionButtons(request: AccessRequestRecord): ActionsBlock {
  const value = String(request.id);
  return {
    type: 'actions',
    block_id: `decide_${request.id}`,
    elements: [
      { type: 'button', action_id: APPROVE_ACTION, style: 'primary', value, text: { type: 'plain_text', text: 'Approve' } },
      { type: 'button', action_id: DENY_ACTION, style: 'danger', value, text: { type: 'plain_text', text: 'Deny' } },
    ],
  };
}

/** The ticket under a label of ours, with the host it leads to in plain sight. */
function ticketLine(ticketUrl: string): string {
  const host = URL.canParse(ticketUrl) ? new URL(ticketUrl).host : '';
  const line = `Ticket: ${link(ticketUrl, 'open the ticket')} (${plain(host, 300)})`;
  return line.length <= SECTION_TEXT ? line : 'Ticket: a link too long to show';
}
