import type { KnownBlock } from '@slack/types';
import type { AccessLevel, Resource } from '../../domain/catalog';
import type { AccessRequestRecord, DecisionRecord } from '../../domain/request';
import { formatDuration, mention, plain, slackDate } from './format';

export const APPROVE_ACTION = 'approve_request';
export const DENY_ACTION = 'deny_request';

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
      const why = denial?.comment ? `: ${plain(denial.comment)}` : '';
      return `:no_entry: Denied by ${denial ? mention(denial.userId) : 'an approver'}${why}`;
    }
    case 'TIMED_OUT':
      return ':zzz: Expired: nobody decided in time';
    case 'EXPIRED':
      return `:lock: Ended at its expiry (${slackDate(request.endedAt ?? request.expiresAt!)})`;
    case 'REVOKED':
      return `:lock: Revoked early by ${request.endedBy ? mention(request.endedBy) : 'someone'} at ${slackDate(request.endedAt!)}`;
    case 'FAILED':
      return `:x: Failed: ${plain(request.failureReason ?? 'unknown error')}`;
    case 'REVOKE_FAILED':
      return `:rotating_light: Revoke is failing and being retried: ${plain(request.failureReason ?? 'unknown error')}`;
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
    `*Resource*\n${plain(resource.name)} (\`${resource.id}\`)`,
    `*Access level*\n${level.id}`,
    `*Duration*\n${formatDuration(request.durationSeconds)}`,
    `*Identity*\n\`${request.targetIdentity}\``,
    `*Approvals needed*\n${request.approvalsRequired}`,
  ];
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: `Access request #${request.id}` } },
    { type: 'section', fields: fields.map((text) => ({ type: 'mrkdwn', text })) },
    { type: 'section', text: { type: 'mrkdwn', text: `*Reason*\n${plain(request.reason)}` } },
  ];
  const extended = request.extendsRequestId;
  if (extended !== null) {
    const text = `Extends #${extended}: once granted, the access stays when #${extended} ends.`;
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text }] });
  }
  if (request.ticketUrl) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `Ticket: <${request.ticketUrl}>` }] });
  }
  blocks.push({ type: 'divider' }, { type: 'section', text: { type: 'mrkdwn', text: status } });
  if (request.status === 'PENDING') {
    const value = String(request.id);
    blocks.push({
      type: 'actions',
      block_id: `decide_${request.id}`,
      elements: [
        { type: 'button', action_id: APPROVE_ACTION, style: 'primary', value, text: { type: 'plain_text', text: 'Approve' } },
        { type: 'button', action_id: DENY_ACTION, style: 'danger', value, text: { type: 'plain_text', text: 'Deny' } },
      ],
    });
  }
  const extending = extended === null ? '' : `, extending #${extended}`;
  return {
    text: `Access request #${request.id}: ${level.id} on ${resource.name} for ${formatDuration(request.durationSeconds)}${extending}. ${status}`,
    blocks,
  };
}
