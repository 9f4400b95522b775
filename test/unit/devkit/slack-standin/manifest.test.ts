import { webApi } from '@slack/bolt';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import {
  EMAIL_SCOPE,
  isStandinMethod,
  MANIFEST_PATH,
  readManifest,
  requiredScopes,
  SCOPE_COMPANIONS,
} from '../../../../devkit/slack-standin/method-rules';
import { SHORTCUTS } from '../../../../src/slack/inbound/shortcuts';

/** The app, whose calls need scopes (the stand-in, which plays Slack, lives outside it). */
const SRC = path.resolve(__dirname, '../../../../src');
/** Bolt calls these itself, whatever the listeners do (auth.test to authorize each request). */
const CALLED_BY_BOLT = ['auth.test'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(entry.parentPath, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every Web API method WebClient knows, by dotted name: chat.postMessage, users.profile.get, … */
function webApiMethods(): Set<string> {
  const methods = new Set<string>();
  const walk = (value: unknown, prefix: string, depth: number) => {
    if (typeof value === 'function' && depth > 1) methods.add(prefix);
    if (typeof value !== 'object' || value === null) return;
    for (const [key, child] of Object.entries(value)) walk(child, prefix ? `${prefix}.${key}` : key, depth + 1);
  };
  const client = new webApi.WebClient();
  for (const [family, value] of Object.entries(client)) if (typeof value === 'object' && value !== null) walk(value, family, 1);
  return methods;
}

interface CallSite {
  method: string;
  file: string;
  /** The source text from the method name to the end of the line, for argument shapes. */
  text: string;
}

/**
 * Web API calls in the app's source: `<anything>.<family>.<method>(` (client.chat.postMessage(,
 * this.deps.slack.users.profile.get(, …) where the tail names a WebClient method, and apiCall('<method>').
 */
function webApiCalls(known: Set<string>): CallSite[] {
  return sourceFiles(SRC).flatMap((file) => {
    const source = readFileSync(file, 'utf8');
    const sites: CallSite[] = [];
    for (const match of source.matchAll(/\.([A-Za-z]+(?:\s*\.\s*[A-Za-z]+)+)\s*(?:<[^>]*>)?\(/g)) {
      const chain = match[1]!.replace(/\s+/g, '').split('.');
      // The longest tail of the chain that is a method: `deps.slack.chat.update` → chat.update.
      const method = chain.map((_, i) => chain.slice(i).join('.')).find((tail) => known.has(tail));
      if (method) sites.push({ method, file, text: lineFrom(source, match.index + match[0].length - 1) });
    }
    for (const match of source.matchAll(/\bapiCall\s*\(\s*['"`]([\w.]+)['"`]/g)) {
      sites.push({ method: match[1]!, file, text: lineFrom(source, match.index) });
    }
    return sites;
  });
}

function lineFrom(source: string, index: number): string {
  const end = source.indexOf('\n', index);
  return source.slice(index, end === -1 ? undefined : end);
}

/** The arguments each call passes, where its scopes depend on them; every other method needs none. */
function argumentsOf(site: CallSite): Record<string, unknown> {
  if (site.method !== 'conversations.open') return {};
  // prod-access opens DMs with one person: `conversations.open({ users: <one id> })`.
  if (/^\(\s*\{\s*users:\s*[\w.!?]+\s*\}\s*\)/.test(site.text)) return { users: 'U1' };
  throw new Error(`${path.relative(SRC, site.file)}: conversations.open${site.text} — say which scope these arguments need`);
}

describe('slack-app-manifest.yaml asks for exactly the scopes the code uses', () => {
  const manifest = readManifest();
  const rawManifest = parse(readFileSync(MANIFEST_PATH, 'utf8')) as { features?: { slash_commands?: unknown[] } };
  const sites = webApiCalls(webApiMethods());
  const called = new Set([...sites.map((site) => site.method), ...CALLED_BY_BOLT]);
  const appSource = sourceFiles(SRC)
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n');

  const needed = new Set<string>();
  for (const site of sites)
    if (isStandinMethod(site.method)) for (const scope of requiredScopes(site.method, argumentsOf(site))) needed.add(scope);

  /** Scopes no method requires that the app still uses, each with what in the app uses it. */
  const usedWithoutMethod: Record<string, boolean> = {
    // The slash command and the shortcuts the manifest declares (Slack offers neither without it).
    commands: (rawManifest.features?.slash_commands ?? []).length > 0 || manifest.shortcuts.length > 0,
    // Posting to the catalog's owners and audit channels without being invited first.
    'chat:write.public': called.has('chat.postMessage'),
    // The email in a profile answer (identities mapped from email), which Slack leaves out without it.
    [EMAIL_SCOPE]: /\bprofile\??\.email\b/.test(appSource),
  };
  for (const [scope, used] of Object.entries(usedWithoutMethod)) if (used) needed.add(scope);
  for (const scope of [...needed]) for (const companion of SCOPE_COMPANIONS[scope] ?? []) needed.add(companion);

  it('finds the Web API calls in src/', () => {
    // A scan that finds nothing would make the comparison below pass for the wrong reason.
    expect([...called]).toEqual(expect.arrayContaining(['chat.postMessage', 'users.profile.get', 'views.open', 'conversations.open']));
  });

  it('calls only methods the stand-in implements, so their scopes are known', () => {
    expect([...called].filter((method) => !isStandinMethod(method))).toEqual([]);
  });

  it('asks for every scope a call needs', () => {
    expect([...needed].filter((scope) => !manifest.botScopes.includes(scope))).toEqual([]);
  });

  it('asks for no scope that nothing uses', () => {
    expect(manifest.botScopes.filter((scope) => !needed.has(scope))).toEqual([]);
  });

  it('declares exactly the shortcuts the app handles, each with its type', () => {
    expect(manifest.shortcuts.map(({ type, callbackId }) => `${type} ${callbackId}`).sort()).toEqual(
      [`global ${SHORTCUTS.requestAccess}`, `message ${SHORTCUTS.requestAccessAboutMessage}`].sort(),
    );
  });

  it('subscribes to exactly the events the app handles, and declares no subscription without events', () => {
    const handled = [...appSource.matchAll(/\.event\(\s*['"`]([\w.]+)['"`]/g)].map((match) => match[1]!);
    const subscribed = manifest.botEvents ?? [];

    // app.message() listens to message.* events; which ones depends on the conversations it serves.
    expect(subscribed.filter((event) => !event.startsWith('message.')).sort()).toEqual(handled.sort());
    expect(subscribed.some((event) => event.startsWith('message.'))).toBe(/\bapp\.message\(/.test(appSource));
    // Slack takes event_subscriptions without events, and then sends nothing: say none instead.
    if (subscribed.length === 0) expect(manifest.botEvents).toBeNull();
  });
});
