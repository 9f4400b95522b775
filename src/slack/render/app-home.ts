import type { HomeView, KnownBlock } from '@slack/types';
import type { HomeContent } from '../../app/ports';
import { type Catalog, findEntry } from '../../domain/catalog';
import { isLive } from '../../domain/grant';
import { isFinal, statusWords } from '../../domain/lifecycle';
import type { AccessRequestRecord } from '../../domain/request';
import { decisionButtons } from './approval-message';
import { formatDuration, mention, plain, slackDate } from './format';
import { grantButtons } from './grant-buttons';

export const HOME_VIEW = 'prod_access_home';
/** The App Home's button that opens the request modal, as a bare `/prod-access` does. */
export const OPEN_REQUEST_MODAL_ACTION = 'open_request_modal';

/** Slack's limit on the blocks of a Home tab. */
export const MAX_HOME_BLOCKS = 100;

/**
 * How many of each list the home shows. At these caps the home is at most 94 blocks: 10 fixed, two per
 * grant and per request awaiting a decision, one per request in progress, one for the recent ones, and
 * one "and N more" line per list.
 */
export const HOME_SHOWN = { grants: 10, inProgress: 10, recent: 5, awaiting: 25 } as const;

/** Room for a reason in a request awaiting a decision; the full one is in the approval message. */
const REASON_SHOWN = 500;

/**
 * A person's App Home: their live grants (with I'm done and Extend), their requests in progress and
 * the recent ones, and for approvers the requests waiting for their decision (with Approve and Deny, as
 * in the approval message). Rendered from the database at every publish.
 */
export function homeView(home: HomeContent, catalog: Catalog): HomeView {
  const { now } = home;
  const grants = home.mine.filter((r) => isLive(r, now));
  const inProgress = home.mine.filter((r) => !isFinal(r.status) && !isLive(r, now));
  const recent = home.mine.filter((r) => isFinal(r.status));
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'prod-access' } },
    {
      type: 'section',
      block_id: 'home_intro',
      text: { type: 'mrkdwn', text: 'Time-limited production access, approved by the owners of each resource.' },
      accessory: {
        type: 'button',
        action_id: OPEN_REQUEST_MODAL_ACTION,
        style: 'primary',
        text: { type: 'plain_text', text: 'Request access' },
      },
    },
    ...heading('Your access now'),
    ...listed(
      grants,
      HOME_SHOWN.grants,
      (r) => [section(`${what(r)}\nEnds ${slackDate(r.expiresAt!)}, ${timeLeft(r.expiresAt!, now)} left.`), grantButtons(r.id)],
      'You hold no production access right now.',
      'more: `/prod-access list` shows them all',
    ),
    ...heading('Your requests in progress'),
    ...listed(inProgress, HOME_SHOWN.inProgress, (r) => [section(`${what(r)}\n${progress(r)}`)], 'None.', 'more: `/prod-access list`'),
    ...heading('Recent requests'),
    recentBlock(recent),
  ];
  if (home.awaiting) {
    const { requests, total } = home.awaiting;
    blocks.push(
      ...heading('Waiting for your decision'),
      ...listed(
        requests,
        HOME_SHOWN.awaiting,
        (r) => {
          // A level gone from the catalog cannot be decided; its request shows without the buttons.
          const entry = findEntry(catalog, r);
          return [section(awaitingText(r)), ...(entry ? [decisionButtons(r, entry.resource, entry.level)] : [])];
        },
        'Nothing waits for your decision.',
        "more waiting (the oldest are shown here): the owners' channels have them all",
        total,
      ),
    );
  }
  return { type: 'home', callback_id: HOME_VIEW, blocks };
}

function heading(text: string): KnownBlock[] {
  return [{ type: 'divider' }, { type: 'header', text: { type: 'plain_text', text } }];
}

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

function context(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text }] };
}

/** The first `max` items, each as its blocks; a line when there are none, and "…and N more" past `max` (of `total`). */
function listed(
  items: readonly AccessRequestRecord[],
  max: number,
  render: (r: AccessRequestRecord) => KnownBlock[],
  none: string,
  more: string,
  total = items.length,
): KnownBlock[] {
  if (total === 0) return [context(none)];
  const shown = items.slice(0, max);
  const hidden = total - shown.length;
  return [...shown.flatMap(render), ...(hidden > 0 ? [context(`…and ${hidden} ${more}.`)] : [])];
}

/** `#12 read-only on orders-db for 10m, as dev` */
function what(r: AccessRequestRecord): string {
  return `*#${r.id}* ${r.level} on \`${r.resourceId}\` for ${formatDuration(r.durationSeconds)}, as \`${r.targetIdentity}\``;
}

/** Minutes left, rounded up: the home is a snapshot, re-published when it is opened. */
function timeLeft(expiresAt: Date, now: Date): string {
  return formatDuration(Math.max(1, Math.ceil((expiresAt.getTime() - now.getTime()) / 60_000)) * 60);
}

function progress(r: AccessRequestRecord): string {
  switch (r.status) {
    case 'PENDING':
      return `:hourglass_flowing_sand: Waiting for approval (until ${slackDate(r.pendingExpiresAt)})`;
    case 'APPROVED':
      return ':gear: Approved; granting…';
    case 'REVOKE_FAILED':
      return ':rotating_light: Revoke is failing and being retried';
    default:
      // A grant given back or past its expiry, whose revoke has not run yet.
      return ':lock: Ending: the access is being removed';
  }
}

function recentBlock(recent: readonly AccessRequestRecord[]): KnownBlock {
  if (recent.length === 0) return context('No finished requests yet.');
  const lines = recent.slice(0, HOME_SHOWN.recent).map((r) => `• ${what(r)}: ${statusWords(r.status)}`);
  const older = recent.length > HOME_SHOWN.recent ? '\nOlder ones: `/prod-access list`.' : '';
  return section(lines.join('\n') + older);
}

function awaitingText(r: AccessRequestRecord): string {
  const extending = r.extendsRequestId === null ? '' : `, extending #${r.extendsRequestId}`;
  const approvals = r.approvalsRequired > 1 ? ` Needs ${r.approvalsRequired} approvals.` : '';
  return (
    `${mention(r.requesterId)} asks for ${what(r)}${extending}.${approvals}\n` +
    `*Reason:* ${plain(r.reason, REASON_SHOWN)}\n` +
    `Waiting until ${slackDate(r.pendingExpiresAt)}`
  );
}
