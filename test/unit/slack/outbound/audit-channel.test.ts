import { type SlackStandin, startSlackStandin } from '../../../../devkit/slack-standin/server';
import type { AuditChannelLine } from '../../../../src/app/ports';
import type { AccessRequestRecord } from '../../../../src/domain/request';
import { SlackAuditChannel } from '../../../../src/slack/outbound/audit-channel';
import { MESSAGE_TEXT_LIMIT } from '../../../../src/slack/render/notices';
import { webClientFor } from '../../devkit/slack-standin/support';

const TOKEN = 'xoxb-test';

/** An audit line of request `requestId`, with a reason of `reasonLength` characters. */
function line(id: number, requestId: number, reasonLength = 10): AuditChannelLine {
  return {
    event: {
      id: BigInt(id),
      at: new Date('2026-12-01T12:00:00Z'),
      requestId,
      actor: 'U1ALICE',
      action: 'requested',
      detail: { reason: 'r'.repeat(reasonLength) },
    },
    count: 1,
  };
}

describe('the audit channel in Slack', () => {
  let standin: SlackStandin;
  let requests: Map<number, AccessRequestRecord>;
  let audit: SlackAuditChannel;

  beforeAll(async () => {
    standin = await startSlackStandin({
      botToken: TOKEN,
      users: [{ id: 'U1ALICE', name: 'alice' }],
      channels: [
        { id: 'C1AUDIT', name: 'audit' },
        { id: 'C1OWNERS', name: 'owners' },
      ],
    });
  });

  beforeEach(() => {
    requests = new Map();
    const getMany = jest.fn(async (ids: readonly number[]) => ids.flatMap((id) => requests.get(id) ?? []));
    audit = new SlackAuditChannel({ catalog: { auditChannel: 'C1AUDIT' }, requests: { getMany }, slack: webClientFor(standin, TOKEN) });
  });

  afterEach(() => standin.reset());
  afterAll(() => standin.close());

  /** A request whose approval message is in the owners' channel. */
  async function withApprovalMessage(id: number): Promise<string> {
    const { ts } = await webClientFor(standin, TOKEN).chat.postMessage({ channel: 'C1OWNERS', text: `request ${id}` });
    requests.set(id, {
      id,
      level: 'read-only',
      resourceId: 'orders-db',
      requesterId: 'U1ALICE',
      channelId: 'C1OWNERS',
      messageTs: ts!,
    } as AccessRequestRecord);
    return ts!;
  }

  test('lines that fit go in one message, in order, and all of them are counted as carried', async () => {
    for (const id of [1, 2]) await withApprovalMessage(id);
    const lines = [line(1, 1), line(2, 2), line(3, 1)];

    expect(await audit.postAudit(lines)).toBe(3);
    const [message] = standin.messages('C1AUDIT');
    expect(message!.text.split('\n').map((text) => /#(\d+) /.exec(text)?.[1])).toEqual(['1', '2', '1']);
  });

  test("more than Slack's text limit: the message takes the first lines that fit, whole, and says how many; none is cut", async () => {
    const lines = Array.from({ length: 60 }, (_, i) => line(i + 1, 100 + i, 1000));

    const carried = await audit.postAudit(lines);
    const [message] = standin.calls.filter((c) => c.kind === 'api' && c.method === 'chat.postMessage');
    const text = String(message!.kind === 'api' && message!.args.text);

    expect(carried).toBeGreaterThan(1);
    expect(carried).toBeLessThan(60);
    expect(text.length).toBeLessThanOrEqual(MESSAGE_TEXT_LIMIT);
    expect(message!.kind === 'api' && message!.response.response_metadata).toBeUndefined();
    expect(text.split('\n')).toHaveLength(carried);
    expect(text.split('\n').every((shown) => shown.includes('r'.repeat(1000)))).toBe(true);
    // The next line would not have fitted.
    expect(text.length + 1 + text.split('\n')[0]!.length).toBeGreaterThan(MESSAGE_TEXT_LIMIT);
    expect(await audit.postAudit(lines.slice(carried))).toBe(60 - carried);
  });

  test("each line links to its request's approval message; Slack is asked for a permalink once, then they are known", async () => {
    const tss = [await withApprovalMessage(1), await withApprovalMessage(2), await withApprovalMessage(3)];

    await audit.postAudit([line(1, 1), line(2, 2)]);
    await audit.postAudit([line(3, 3)]);

    expect(standin.callsTo('chat.getPermalink')).toHaveLength(1);
    const texts = standin.messages('C1AUDIT').map((m) => m.text);
    // As the stand-in's chat.getPermalink answers, like Slack: the workspace's URL, then /archives/<channel>/p<ts without its dot>.
    const permalink = (ts: string) => `<${new URL(standin.apiUrl).origin}/archives/C1OWNERS/p${ts.replace('.', '')}|view request>`;
    expect(texts[0]).toContain(permalink(tss[0]!));
    expect(texts[0]).toContain(permalink(tss[1]!));
    expect(texts[1]).toContain(permalink(tss[2]!));
  });
});
