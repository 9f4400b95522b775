import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../../src/shared/logger';
import { COMMAND } from '../../src/slack/inbound/commands';
import { STANDIN_APP, STANDIN_TEAM } from '../slack-standin/identity';
import { readManifest } from '../slack-standin/method-rules';
import type { SlackStandin } from '../slack-standin/server';
import type { StandinUsergroup } from '../slack-standin/types';
import {
  type AppReply,
  blockActionsPayload,
  globalShortcutPayload,
  messageShortcutPayload,
  homeButtonPayload,
  sendEvent,
  sendInteraction,
  sendSlashCommand,
  viewActionPayload,
  viewSubmissionPayload,
} from '../slack-standin/signed-request';
import type { DemoChannel, DemoPerson } from './demo-workspace';
import { type DemoTarget, psqlCommand, queryOrdersAs } from './demo-target';

export interface SandboxServerOptions {
  /** 0 picks a free port. */
  port: number;
  standin: SlackStandin;
  /** The app's real endpoint, e.g. http://127.0.0.1:3000/slack/events. */
  endpoint: string;
  signingSecret: string;
  people: DemoPerson[];
  channels: DemoChannel[];
  /** The user groups mentions name, by handle. */
  usergroups: StandinUsergroup[];
  target: DemoTarget;
  logger: Logger;
}

export interface SandboxServer {
  url: string;
  close(): Promise<void>;
}

const PAGE_DIR = path.join(__dirname, 'page');
const PAGE_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/sandbox.js': { file: 'sandbox.js', type: 'text/javascript; charset=utf-8' },
  '/mrkdwn.js': { file: 'mrkdwn.js', type: 'text/javascript; charset=utf-8' },
  '/sandbox.css': { file: 'sandbox.css', type: 'text/css; charset=utf-8' },
};
/** A long poll answers at the latest after this, so proxies and browsers never time it out. */
const MAX_WAIT_MS = 25_000;
const MAX_BODY_BYTES = 100_000;

const CommandInput = z.object({ user: z.string(), channel: z.string(), text: z.string().max(4000) });
const ActionInput = z.object({
  user: z.string(),
  channel: z.string(),
  ts: z.string(),
  blockIndex: z.number().int().min(0),
  actionId: z.string(),
});
const ViewInput = z.object({
  user: z.string(),
  viewId: z.string(),
  values: z.record(z.string(), z.record(z.string(), z.looseObject({ type: z.string() }))),
});
/** A choice in a modal's select that sends it at once (`dispatch_action`). */
const ViewActionInput = ViewInput.extend({ blockId: z.string(), actionId: z.string(), value: z.string() });
const QueryInput = z.object({ user: z.string() });
/** Something a person types that is not a command: a message of theirs, as in Slack. */
const MessageInput = z.object({ user: z.string(), channel: z.string(), text: z.string().min(1).max(4000) });
/** A shortcut from the shortcuts menu, or (with the conversation and ts of a message) from a message's menu. */
const ShortcutInput = z.object({ user: z.string(), callbackId: z.string(), channel: z.string().optional(), ts: z.string().optional() });
const HomeInput = z.object({ user: z.string() });
/** A button in a person's App Home, named by its block and action. */
const HomeActionInput = HomeInput.extend({ blockId: z.string(), actionId: z.string() });

/** An answer for the page: the app's reply failed, or the request made no sense. */
class PageError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The sandbox page and what it asks for. The page plays Slack's client: what a person does there
 * becomes a request signed the way Slack signs it, sent to the app's real endpoint.
 */
export async function startSandboxServer(options: SandboxServerOptions): Promise<SandboxServer> {
  const { standin, people, channels } = options;
  let origin = '';

  const person = (id: string): DemoPerson => {
    const found = people.find((p) => p.id === id);
    if (!found) throw new PageError(400, `no such person: ${id}`);
    return found;
  };
  /** A channel of the workspace, or the person's DM with the app. */
  const conversation = (id: string, user: DemoPerson): { id: string; name: string } => {
    if (id === `D${user.id}`) return { id, name: 'directmessage' };
    const channel = channels.find((c) => c.id === id);
    if (!channel) throw new PageError(400, `no such conversation: ${id}`);
    return channel;
  };

  const api: Record<string, (body: unknown, url: URL) => Promise<unknown>> = {
    'GET /api/workspace': async () => ({
      team: STANDIN_TEAM.name,
      bot: { id: STANDIN_APP.botUserId, name: STANDIN_APP.botName },
      people: people.map(({ id, name, realName, title }) => ({
        id,
        name,
        realName,
        title,
        psql: psqlCommand(options.target, loginOf(id)),
      })),
      channels,
      usergroups: options.usergroups.map(({ id, handle }) => ({ id, handle })),
      command: COMMAND,
      shortcuts: readManifest().shortcuts,
    }),

    'GET /api/changes': async (_body, url) => {
      const after = Number(url.searchParams.get('after') ?? 0);
      const wait = Math.min(Number(url.searchParams.get('wait') ?? 0), MAX_WAIT_MS);
      return { changes: await standin.changes(Number.isFinite(after) ? after : 0, Number.isFinite(wait) ? wait : 0) };
    },

    'POST /api/command': async (body) => {
      const input = CommandInput.parse(body);
      const user = person(input.user);
      const channel = conversation(input.channel, user);
      const [command = '', ...words] = input.text.trim().split(/\s+/);
      if (command !== COMMAND) throw new PageError(400, `${command} is not a valid command. Try ${COMMAND} help.`);
      checked(
        await sendSlashCommand(options.endpoint, options.signingSecret, {
          command,
          text: words.join(' '),
          user_id: user.id,
          user_name: user.name,
          channel_id: channel.id,
          channel_name: channel.name,
          trigger_id: standin.triggerFor(user.id),
          response_url: standin.responseUrl(undefined, { user: user.id, channel: channel.id }),
        }),
      );
      return { ok: true };
    },

    'POST /api/message': async (body) => {
      const input = MessageInput.parse(body);
      const user = person(input.user);
      standin.postAs(user.id, conversation(input.channel, user).id, input.text);
      return { ok: true };
    },

    'POST /api/shortcut': async (body) => {
      const input = ShortcutInput.parse(body);
      const user = person(input.user);
      const payloadUser = { id: user.id, name: user.name };
      const triggerId = standin.triggerFor(user.id);
      // The payload builders refuse a shortcut the manifest does not declare, as Slack would never send it.
      if (input.channel === undefined || input.ts === undefined) {
        await sendToApp(globalShortcutPayload({ user: payloadUser, callbackId: input.callbackId, triggerId }));
        return { ok: true };
      }
      const channel = conversation(input.channel, user);
      const message = standin.messages(channel.id).find((m) => m.ts === input.ts);
      if (!message) throw new PageError(404, 'that message is no longer there');
      await sendToApp(
        messageShortcutPayload({
          user: payloadUser,
          callbackId: input.callbackId,
          channel: channel.id,
          message: { ...message },
          triggerId,
          responseUrl: standin.responseUrl(undefined, { user: user.id, channel: channel.id }),
        }),
      );
      return { ok: true };
    },

    'POST /api/action': async (body) => {
      const input = ActionInput.parse(body);
      const user = person(input.user);
      const channel = conversation(input.channel, user);
      // The button is taken from the message as the app posted it, never from the page.
      const message = standin.messages(channel.id).find((m) => m.ts === input.ts);
      const block = message?.blocks?.[input.blockIndex] as
        { block_id?: string; elements?: { action_id?: string; value?: string }[] } | undefined;
      const button = block?.elements?.find((element) => element.action_id === input.actionId);
      if (!message || !button) throw new PageError(404, 'that button is no longer there');
      await sendToApp(
        blockActionsPayload({
          user: { id: user.id, name: user.name },
          actionId: input.actionId,
          value: button.value,
          blockId: block?.block_id,
          channel: channel.id,
          messageTs: message.ts,
          message: { ...message },
          triggerId: standin.triggerFor(user.id),
          responseUrl: standin.responseUrl(undefined, { user: user.id, channel: channel.id }),
        }),
      );
      return { ok: true };
    },

    'POST /api/view-action': async (body) => {
      const input = ViewActionInput.parse(body);
      const user = person(input.user);
      await sendToApp(
        viewActionPayload({
          user: { id: user.id, name: user.name },
          view: openView(input.viewId),
          blockId: input.blockId,
          actionId: input.actionId,
          elementType: 'static_select',
          selectedValue: input.value,
          values: input.values,
          triggerId: standin.triggerFor(user.id),
        }),
      );
      return { ok: true };
    },

    'POST /api/view': async (body) => {
      const input = ViewInput.parse(body);
      const user = person(input.user);
      const view = openView(input.viewId);
      const reply = await sendToApp(
        viewSubmissionPayload({
          user: { id: user.id, name: user.name },
          callbackId: view.callback_id,
          privateMetadata: view.private_metadata,
          values: input.values,
          viewId: view.id,
          triggerId: standin.triggerFor(user.id),
        }),
      );
      // Slack keeps the modal open and shows these under their fields; anything else closes it.
      const answer = reply.json as { response_action?: string; errors?: Record<string, string> } | undefined;
      return answer?.response_action === 'errors' ? { errors: answer.errors ?? {} } : { closed: true };
    },

    // Opening the app's Home tab: Slack's app_home_opened event, which the app answers with views.publish.
    'POST /api/home': async (body) => {
      const user = person(HomeInput.parse(body).user);
      checked(await sendEvent(options.endpoint, options.signingSecret, standin.appHomeOpened(user.id)));
      return { ok: true };
    },

    'POST /api/home-action': async (body) => {
      const input = HomeActionInput.parse(body);
      const user = person(input.user);
      // The button is taken from the home as the app published it, never from the page.
      const view = standin.homeView(user.id);
      const blocks = (view?.blocks ?? []) as { block_id?: string; elements?: unknown[]; accessory?: unknown }[];
      const block = blocks.find((b) => b.block_id === input.blockId);
      const buttons = [...(block?.elements ?? []), ...(block?.accessory ? [block.accessory] : [])] as {
        action_id?: string;
        value?: string;
      }[];
      const button = buttons.find((element) => element.action_id === input.actionId);
      if (!view || !block || !button) throw new PageError(404, 'that button is no longer there');
      await sendToApp(
        homeButtonPayload({
          user: { id: user.id, name: user.name },
          view,
          actionId: input.actionId,
          value: button.value,
          blockId: input.blockId,
          triggerId: standin.triggerFor(user.id),
        }),
      );
      return { ok: true };
    },

    'POST /api/query': async (body) => queryOrdersAs(options.target, loginOf(QueryInput.parse(body).user)),
  };

  /** An interaction as Slack sends it: a signed request to the app's real endpoint. */
  async function sendToApp(payload: object): Promise<AppReply> {
    return checked(await sendInteraction(options.endpoint, options.signingSecret, payload));
  }

  function openView(viewId: string) {
    const view = standin.views().find((v) => v.id === viewId);
    if (!view) throw new PageError(404, 'that form is no longer open');
    return view;
  }

  function loginOf(userId: string): string {
    return person(userId).login;
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    // Only this page may drive the sandbox: no other site through the browser (a JSON POST needs
    // CORS, which is never granted) and no other host name pointing here (DNS rebinding).
    if (req.headers.host !== url.host && req.headers.host !== `localhost:${url.port}`) {
      return sendJson(res, 421, { error: 'unknown host' });
    }
    const page = req.method === 'GET' ? PAGE_FILES[url.pathname] : undefined;
    if (page) {
      res.writeHead(200, { 'Content-Type': page.type, 'Cache-Control': 'no-store' });
      res.end(await readFile(path.join(PAGE_DIR, page.file)));
      return;
    }
    const handler = api[`${req.method} ${url.pathname}`];
    if (!handler) return sendJson(res, 404, { error: 'not found' });
    if (req.method === 'POST' && !req.headers['content-type']?.startsWith('application/json')) {
      return sendJson(res, 415, { error: 'expected application/json' });
    }
    try {
      const body = req.method === 'POST' ? JSON.parse(await readBody(req)) : undefined;
      sendJson(res, 200, await handler(body, url));
    } catch (error) {
      if (error instanceof PageError) return sendJson(res, error.status, { error: error.message });
      if (error instanceof z.ZodError || error instanceof SyntaxError) return sendJson(res, 400, { error: 'malformed request' });
      options.logger.error({ err: error }, 'sandbox request failed');
      sendJson(res, 500, { error: 'the sandbox failed; see its log' });
    }
  }

  const server: Server = createServer((req, res) => void route(req, res).catch(() => res.destroy()));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** Slack shows a failed request to the app as an error line; the page does too. */
function checked(reply: AppReply): AppReply {
  if (reply.status !== 200) throw new PageError(502, `the app answered HTTP ${reply.status}: ${reply.body.slice(0, 200)}`);
  return reply;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new PageError(413, 'request too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
