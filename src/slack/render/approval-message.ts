import type { ActionsBlock, ConfirmationDialog, KnownBlock } from '@slack/types';
import type { ApprovalContext } from '../../app/ports';
import type { AccessLevel, BreakGlass, Resource } from '../../domain/catalog';
import type { AccessRequestRecord, DecisionRecord } from '../../domain/request';
import { windowEnd } from '../../domain/scheduled-start';
import { truncateEscaped } from '../../domain/text';
import { formatDuration, groupMention, link, listWithin, mention, peopleMentions, plain, slackDate } from './format';

export const APPROVE_ACTION = 'approve_request';
export const DENY_ACTION = 'deny_request';
/** The break-glass message's **Reviewed** button: opens the review modal. */
export const REVIEW_ACTION = 'review_break_glass';

/** Slack's limit on a section's (and a context element's) text, counted after escaping. */
const SECTION_TEXT = 3000;
/** Room for text of a person's (a comment, a failure) inside one status line, the rest being ours and short. */
const STATUS_DETAIL = 2500;
const REASON_LABEL = '*Reason*\n';
/** Slack's limit on each of a section's fields. */
const FIELD_TEXT = 2000;
/** Room for what a level allows: a summary, not a listing. */
const SUMMARY_MAX = 1000;
/** Approvers named before the rest are counted. */
const APPROVERS_SHOWN = 10;
/** Slack's limits on a confirm dialog's title and text. */
const CONFIRM_TITLE = 100;
const CONFIRM_TEXT = 300;

export interface ApprovalMessage {
  text: string;
  blocks: KnownBlock[];
}

/** Where the request stands, in one line for the owners' channel. */
export function statusLine(request: AccessRequestRecord, decisions: DecisionRecord[]): string {
  const approvers = decisions.filter((d) => d.kind === 'APPROVE').map((d) => mention(d.userId));
  const approvedBy = approvers.length > 0 ? ` by ${approvers.join(', ')}` : '';
  if (request.breakGlass && request.status === 'APPROVED') return ':rotating_light: Break-glass: granted without approval; granting…';
  if (request.breakGlass && request.status === 'ACTIVE')
    return `:rotating_light: Break-glass: active until ${slackDate(request.expiresAt!)}`;
  switch (request.status) {
    case 'PENDING':
      return approvers.length > 0
        ? `:hourglass_flowing_sand: Approved${approvedBy}; waiting for ${request.approvalsRequired - approvers.length} more approval(s) (until ${slackDate(request.pendingExpiresAt)})`
        : `:hourglass_flowing_sand: Waiting for approval (until ${slackDate(request.pendingExpiresAt)})`;
    case 'APPROVED':
      return request.startsAt
        ? `:alarm_clock: Approved${approvedBy}; access is granted at its start, ${slackDate(request.startsAt)}`
        : `:gear: Approved${approvedBy}; granting…`;
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
      return request.endReason
        ? `:lock: Revoked early by prod-access (${plain(request.endReason, STATUS_DETAIL)}) at ${slackDate(request.endedAt!)}`
        : `:lock: Revoked early by ${request.endedBy ? mention(request.endedBy) : 'someone'} at ${slackDate(request.endedAt!)}`;
    case 'FAILED':
      return `:x: Failed: ${plain(request.failureReason ?? 'unknown error', STATUS_DETAIL)}`;
    case 'REVOKE_FAILED':
      return `:rotating_light: Revoke is failing and being retried: ${plain(request.failureReason ?? 'unknown error', STATUS_DETAIL)}`;
  }
}

/**
 * The message in the owners' channel; rebuilt from the database at every change and updated in place.
 * While it waits for approvers, `context` says who holds the level now and what it allows.
 */
export function approvalMessage(
  request: AccessRequestRecord,
  decisions: DecisionRecord[],
  resource: Resource,
  level: AccessLevel,
  context?: ApprovalContext,
): ApprovalMessage {
  if (request.breakGlass && level.breakGlass) return breakGlassMessage(request, resource, level, level.breakGlass);
  const status = statusLine(request, decisions);
  const given = new Set(decisions.filter((d) => d.kind === 'APPROVE').map((d) => d.userId)).size;
  const fields = [
    `*Requester*\n${mention(request.requesterId)}`,
    `*Resource*\n${plain(resource.name, 200)} (\`${resource.id}\`)`,
    `*Access level*\n${level.id}`,
    `*Duration*\n${formatDuration(request.durationSeconds)}${windowOf(request)}`,
    `*Identity*\n\`${request.targetIdentity}\``,
    `*Approvals*\n${given} of ${request.approvalsRequired} given`,
    listField('*Who may approve*\n', (max) => approversLine(level, max)),
    ...(context ? [listField('*Already holding it*\n', (max) => holdersLine(context, max))] : []),
  ];
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: `Access request #${request.id}` } },
    { type: 'section', fields: fields.map((text) => ({ type: 'mrkdwn', text })) },
    ...allowsBlocks(level, context),
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
  if (request.status === 'PENDING') blocks.push(decisionButtons(request, resource, level));
  const extending = extended === null ? '' : `, extending #${extended}`;
  const starting = request.startsAt ? ` from ${slackDate(request.startsAt)}` : '';
  return {
    text: `Access request #${request.id}: ${level.id} on ${resource.name} for ${formatDuration(request.durationSeconds)}${starting}${extending}. ${status}`,
    blocks,
  };
}

/** A field of a label and a list cut to fit Slack's limit on a field. */
function listField(label: string, list: (max: number) => string): string {
  return label + list(FIELD_TEXT - label.length);
}

/** Everyone the catalog lets approve: users and user groups, mentioned, so the channel sees whom the request waits for. */
function approversLine({ approvers }: AccessLevel, max: number): string {
  const names = [...approvers.users.map(mention), ...approvers.groups.map(groupMention)];
  return listWithin(names.slice(0, APPROVERS_SHOWN), max, names.length);
}

/** The identities holding the level now, named in the target (not mentioned: a new request need not ping them). */
function holdersLine({ holders }: ApprovalContext, max: number): string {
  if (holders.total === 0) return 'nobody';
  return listWithin(
    holders.identities.map((identity) => `\`${plain(identity, 200)}\``),
    max,
    holders.total,
  );
}

/** What the level allows as its target says, or that the target could not be read; nothing when its provider cannot say. */
function allowsBlocks(level: AccessLevel, context: ApprovalContext | undefined): KnownBlock[] {
  if (!context || context.allows === 'not described') return [];
  const allows = context.allows === 'unreadable' ? '_Could not read what this level allows._' : plain(context.allows.summary, SUMMARY_MAX);
  return [{ type: 'section', text: { type: 'mrkdwn', text: `*What ${level.id} allows*\n${allows}` } }];
}

/** Approve on a level that writes or administers asks the approver to confirm, saying what it gives to whom. */
function approveConfirmation(request: AccessRequestRecord, resource: Resource, level: AccessLevel): ConfirmationDialog {
  const what = `${level.id} on ${resource.id}`;
  const text =
    `${request.targetIdentity} gets ${what} for ${formatDuration(request.durationSeconds)}. ` +
    'This level can change the target: approve only what the reason explains.';
  return {
    title: { type: 'plain_text', text: truncateEscaped(`Approve ${what}?`, CONFIRM_TITLE) },
    text: { type: 'plain_text', text: truncateEscaped(text, CONFIRM_TEXT) },
    confirm: { type: 'plain_text', text: 'Approve' },
    deny: { type: 'plain_text', text: 'Not yet' },
    style: 'danger',
  };
}

/** A scheduled request's window, under its duration: the start and the end the approvers approve. */
function windowOf({ startsAt, durationSeconds }: AccessRequestRecord): string {
  return startsAt ? `\nfrom ${slackDate(startsAt)}\nuntil ${slackDate(windowEnd(startsAt, durationSeconds))}` : '';
}

/** Approve and Deny, wherever a pending request is shown to its approvers (its message, App Home). */
export function decisionButtons(request: AccessRequestRecord, resource: Resource, level: AccessLevel): ActionsBlock {
  const value = String(request.id);
  return {
    type: 'actions',
    block_id: `decide_${request.id}`,
    elements: [
      {
        type: 'button',
        action_id: APPROVE_ACTION,
        style: 'primary',
        value,
        text: { type: 'plain_text', text: 'Approve' },
        ...(level.confirmApproval && { confirm: approveConfirmation(request, resource, level) }),
      },
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

/** Where the review of a break-glass grant stands. */
function reviewLine(request: AccessRequestRecord, breakGlass: BreakGlass): string {
  if (request.reviewedBy && request.reviewedAt) {
    return `:white_check_mark: Reviewed by ${mention(request.reviewedBy)} at ${slackDate(request.reviewedAt)}: ${plain(request.reviewComment ?? '', STATUS_DETAIL)}`;
  }
  const due = request.reviewDueAt ? ` by ${slackDate(request.reviewDueAt)}` : '';
  if (request.reviewEscalatedAt)
    return `:rotating_light: *Not reviewed${due}: escalated.* Waiting for a review by ${peopleMentions(breakGlass.reviewers)}`;
  return `:eyes: Waiting for a review${due} by ${peopleMentions(breakGlass.reviewers)}`;
}

/**
 * The owners' channel's message about a break-glass grant: loud (`@here` and the reviewers mentioned), saying
 * no approver was asked, with a **Reviewed** button until one of its reviewers has reviewed it.
 */
function breakGlassMessage(request: AccessRequestRecord, resource: Resource, level: AccessLevel, breakGlass: BreakGlass): ApprovalMessage {
  const status = statusLine(request, []);
  const review = reviewLine(request, breakGlass);
  const fields = [
    `*Requester*\n${mention(request.requesterId)}`,
    `*Resource*\n${plain(resource.name, 200)} (\`${resource.id}\`)`,
    `*Access level*\n${level.id}`,
    `*Duration*\n${formatDuration(request.durationSeconds)}`,
    `*Identity*\n\`${request.targetIdentity}\``,
    `*Reviewers*\n${peopleMentions(breakGlass.reviewers)}`,
  ];
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: `:rotating_light: Break-glass access #${request.id}` } },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `<!here> *Break-glass:* ${mention(request.requesterId)} took this access at once, *without an approver*. It must be reviewed.`,
      },
    },
    { type: 'section', fields: fields.map((text) => ({ type: 'mrkdwn', text })) },
    { type: 'section', text: { type: 'mrkdwn', text: REASON_LABEL + plain(request.reason, SECTION_TEXT - REASON_LABEL.length) } },
  ];
  if (request.ticketUrl) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: ticketLine(request.ticketUrl) }] });
  blocks.push(
    { type: 'divider' },
    { type: 'section', text: { type: 'mrkdwn', text: status } },
    { type: 'section', text: { type: 'mrkdwn', text: review } },
  );
  if (!request.reviewedAt) {
    blocks.push({
      type: 'actions',
      block_id: `review_${request.id}`,
      elements: [
        {
          type: 'button',
          action_id: REVIEW_ACTION,
          style: 'primary',
          value: String(request.id),
          text: { type: 'plain_text', text: 'Reviewed' },
        },
      ],
    });
  }
  return {
    text: `Access request #${request.id}: BREAK-GLASS ${level.id} on ${resource.name} for ${formatDuration(request.durationSeconds)}, without an approver <!here> ${peopleMentions(breakGlass.reviewers)}. ${status}. ${review}`,
    blocks,
  };
}
