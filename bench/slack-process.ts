import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StandinUser } from '../devkit/slack-standin/types';
import { approvalMessageIn } from '../test/support/harness/observations';
import { startWorkspace } from '../test/support/harness/workspace';

/**
 * The Slack stand-in in a process of its own, so the measuring process spends nothing on Slack's side: the
 * harness's workspace for BENCH_SLACK_SUFFIX (the same user ids and channels as the harness), and beside it
 * a small control server the bench asks for response_urls, replies and approval messages. Prints
 * `ready <control port>` once both listen.
 */
async function main(): Promise<void> {
  const extraUsers = JSON.parse(process.env.BENCH_SLACK_EXTRA_USERS ?? '[]') as StandinUser[];
  const { slack } = await startWorkspace(process.env.BENCH_SLACK_SUFFIX!, extraUsers);
  const routes: Record<string, (query: URLSearchParams, body: unknown) => Promise<unknown> | unknown> = {
    '/info': () => ({ apiUrl: slack.apiUrl }),
    '/calls': () => ({ count: slack.calls.filter((call) => call.kind === 'api').length }),
    // Issued ahead of the load, so issuing them is not part of any measured time.
    '/response-urls': (_, body) => ({ urls: (body as { names: string[] }).names.map((name) => slack.responseUrl(name)) }),
    '/response': async (query) => {
      const name = query.get('name')!;
      const call = await slack.waitFor((c) => c.kind === 'response' && c.name === name, Number(query.get('waitMs') ?? 15_000));
      return { text: call.kind === 'response' ? ((call.body as { text?: string }).text ?? '') : '' };
    },
    '/approval-ts': async (query) => {
      const requestId = Number(query.get('requestId'));
      const waitMs = Number(query.get('waitMs') ?? 15_000);
      const posted = () => approvalMessageIn(slack, requestId)?.ts;
      if (!posted() && waitMs > 0) {
        // Only calls from now on: the owners' channel may hold thousands of messages already.
        const since = slack.calls.length;
        await slack.waitFor((c) => c.kind === 'api' && c.method === 'chat.postMessage' && posted() !== undefined, waitMs, since);
      }
      return { ts: posted() };
    },
  };
  const control = createServer((req, res) => void answer(req, res, routes));
  control.listen(0, '127.0.0.1', () => console.log(`ready ${(control.address() as AddressInfo).port}`));
  process.once('SIGTERM', () => {
    control.closeAllConnections();
    control.close();
    void slack.close().then(() => process.exit(0));
  });
}

async function answer(req: IncomingMessage, res: ServerResponse, routes: Record<string, (q: URLSearchParams, b: unknown) => unknown>) {
  const url = new URL(req.url ?? '/', 'http://control');
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const route = routes[url.pathname];
  try {
    if (!route) throw new Error(`no route ${url.pathname}`);
    const body = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown) : undefined;
    const result = await route(url.searchParams, body);
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(result));
  } catch (error) {
    res.writeHead(500, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: String(error) }));
  }
}

void main();
