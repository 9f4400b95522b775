import type { HomeContent } from '../../../../src/app/ports';
import type { AccessRequestRecord } from '../../../../src/domain/request';
import { HOME_SHOWN, homeView, MAX_HOME_BLOCKS } from '../../../../src/slack/render/app-home';
import { TEST_CATALOG } from '../../../support/fakes';
import { validateHomeView } from '../../../../devkit/slack-standin/block-kit-limits';

const NOW = new Date('2026-12-01T10:00:00Z');
let nextId = 1;
const request = (changes: Partial<AccessRequestRecord> = {}): AccessRequestRecord =>
  ({
    id: nextId++,
    requesterId: 'UDEV',
    resourceId: 'orders-db',
    level: 'read-only',
    targetIdentity: 'alice',
    durationSeconds: 600,
    reason: 'INC-42',
    status: 'PENDING',
    approvalsRequired: 1,
    pendingExpiresAt: new Date(NOW.getTime() + 3600_000),
    expiresAt: null,
    endedBy: null,
    extendsRequestId: null,
    ...changes,
  }) as AccessRequestRecord;
const live = (changes: Partial<AccessRequestRecord> = {}) =>
  request({ status: 'ACTIVE', expiresAt: new Date(NOW.getTime() + 9 * 60_000 + 5_000), ...changes });

const home = (content: Partial<HomeContent>): HomeContent => ({ userId: 'UDEV', now: NOW, mine: [], awaiting: null, ...content });
type Block = { type: string; block_id?: string; text?: { text: string }; elements?: { action_id?: string; text: { text: string } }[] };
const blocksOf = (content: Partial<HomeContent>) => homeView(home(content), TEST_CATALOG).blocks as Block[];
const textOf = (content: Partial<HomeContent>) => JSON.stringify(homeView(home(content), TEST_CATALOG).blocks);

describe('the App Home', () => {
  test('a live grant with its time left and I’m done and Extend; a pending request with its status', () => {
    const grant = live();
    const pending = request();
    const blocks = blocksOf({ mine: [pending, grant] });
    expect(textOf({ mine: [grant] })).toContain('10m left');
    const buttons = blocks.find((b) => b.block_id === `grant_${grant.id}`);
    expect(buttons?.elements?.map((e) => e.text.text)).toEqual(['Extend', "I'm done"]);
    expect(textOf({ mine: [pending] })).toContain('Waiting for approval');
    // Nothing to decide for someone who approves nothing.
    expect(textOf({ mine: [pending] })).not.toContain('Waiting for your decision');
  });

  test('a grant given back early, not yet removed, is in progress, without its buttons', () => {
    const ending = live({ endedBy: 'UDEV' });
    expect(blocksOf({ mine: [ending] }).some((b) => b.block_id === `grant_${ending.id}`)).toBe(false);
    expect(textOf({ mine: [ending] })).toContain('being removed');
  });

  test('requests awaiting the approver with Approve and Deny, the reason shown as text and never as markup', () => {
    const waiting = request({ requesterId: 'UOTHER', reason: '<!channel> *now*' });
    const blocks = blocksOf({ userId: 'UMGR1', awaiting: { requests: [waiting], total: 1 } });
    const decide = blocks.find((b) => b.block_id === `decide_${waiting.id}`);
    expect(decide?.elements?.map((e) => e.text.text)).toEqual(['Approve', 'Deny']);
    const text = textOf({ userId: 'UMGR1', awaiting: { requests: [waiting], total: 1 } });
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).toContain('<@UOTHER> asks for');
    expect(textOf({ awaiting: { requests: [], total: 0 } })).toContain('Nothing waits for your decision');
  });

  test('at every cap it stays within Slack’s 100 blocks and says how many more there are', () => {
    const many = (n: number, make: () => AccessRequestRecord) => Array.from({ length: n }, make);
    const mine = [
      ...many(HOME_SHOWN.grants + 3, () => live()),
      ...many(HOME_SHOWN.inProgress + 4, () => request()),
      ...many(HOME_SHOWN.recent + 1, () => request({ status: 'EXPIRED' })),
    ];
    const awaiting = { requests: many(HOME_SHOWN.awaiting, () => request({ requesterId: 'UOTHER' })), total: HOME_SHOWN.awaiting + 40 };
    const view = homeView(home({ mine, awaiting }), TEST_CATALOG);
    expect(view.blocks.length).toBeLessThanOrEqual(MAX_HOME_BLOCKS);
    expect(validateHomeView(view)).toBeNull();
    const text = JSON.stringify(view.blocks);
    expect(text).toContain('…and 3 more: `/prod-access list` shows them all.');
    expect(text).toContain('…and 4 more');
    expect(text).toContain('…and 40 more waiting');
    expect(text).toContain('Older ones');
  });

  test('an empty home still offers Request access', () => {
    const view = homeView(home({}), TEST_CATALOG);
    expect(validateHomeView(view)).toBeNull();
    expect(JSON.stringify(view.blocks)).toContain('Request access');
    expect(JSON.stringify(view.blocks)).toContain('You hold no production access right now.');
  });
});
