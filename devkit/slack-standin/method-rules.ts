import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/**
 * What Slack asks of each Web API method the stand-in implements: the bot scopes a call needs and
 * its rate-limit tier, as the method's reference page states them (docs.slack.dev/reference/methods/<method>).
 */

/**
 * Slack's published tiers (docs.slack.dev/apis/web-api/rate-limits): 1+, 20+, 50+ and 100+ calls a
 * minute, per method, per app, per workspace; `postMessage` is chat.postMessage's own limit (see rate-limits.ts).
 */
export type RateTier = 1 | 2 | 3 | 4 | 'postMessage';

export interface MethodRule {
  /** The bot scopes every call needs; `scopesFor` replaces them when they depend on the arguments. */
  scopes: readonly string[];
  scopesFor?: (args: Record<string, unknown>) => readonly string[];
  tier: RateTier;
}

/**
 * conversations.open needs the scope of the kind of conversation it opens: im:write for a DM with one
 * person, mpim:write for a group DM; resuming one by id needs the scope of that id's kind.
 */
function conversationScopes(args: Record<string, unknown>): readonly string[] {
  if (typeof args.channel === 'string') return args.channel.startsWith('D') ? ['im:write'] : ['mpim:write'];
  const users = typeof args.users === 'string' ? args.users.split(',').filter((user) => user.trim() !== '') : [];
  return users.length > 1 ? ['mpim:write'] : ['im:write'];
}

export const METHOD_RULES = {
  // auth.test and chat.getPermalink have "special" limits Slack publishes no number for; the stand-in
  // holds them to Tier 4, the most generous published tier, rather than leave them unlimited.
  'auth.test': { scopes: [], tier: 4 },
  'chat.getPermalink': { scopes: [], tier: 4 },
  'chat.postEphemeral': { scopes: ['chat:write'], tier: 4 },
  'chat.postMessage': { scopes: ['chat:write'], tier: 'postMessage' },
  'chat.update': { scopes: ['chat:write'], tier: 3 },
  'conversations.open': { scopes: ['im:write'], scopesFor: conversationScopes, tier: 3 },
  'usergroups.users.list': { scopes: ['usergroups:read'], tier: 2 },
  'users.info': { scopes: ['users:read'], tier: 4 },
  'users.profile.get': { scopes: ['users.profile:read'], tier: 4 },
  // Views need no scope: holding a trigger_id (or a view id of this app) is the permission.
  'views.open': { scopes: [], tier: 4 },
  'views.publish': { scopes: [], tier: 4 },
  'views.push': { scopes: [], tier: 4 },
  'views.update': { scopes: [], tier: 4 },
} as const satisfies Record<string, MethodRule>;

export type StandinMethod = keyof typeof METHOD_RULES;

export function isStandinMethod(method: string): method is StandinMethod {
  return Object.hasOwn(METHOD_RULES, method);
}

/** Without it Slack leaves `email` out of users.info and users.profile.get answers. */
export const EMAIL_SCOPE = 'users:read.email';

/**
 * Scopes Slack makes a scope depend on: users:read.email is additive, granted only with users:read
 * (api.slack.com/changelog/2016-11-10-addressing-email-addresses).
 */
export const SCOPE_COMPANIONS: Record<string, readonly string[]> = { [EMAIL_SCOPE]: ['users:read'] };

export function requiredScopes(method: StandinMethod, args: Record<string, unknown>): readonly string[] {
  const rule: MethodRule = METHOD_RULES[method];
  return rule.scopesFor ? rule.scopesFor(args) : rule.scopes;
}

/** slack-app-manifest.yaml at the repository root (from src/ and from dist/ alike). */
export const MANIFEST_PATH = path.resolve(__dirname, '../../slack-app-manifest.yaml');

export interface AppManifest {
  botScopes: string[];
  homeTabEnabled: boolean;
  /** settings.event_subscriptions.bot_events, or null when the manifest subscribes to no events at all. */
  botEvents: string[] | null;
  /** features.shortcuts: Slack shows these, and sends a shortcut payload only for one of them. */
  shortcuts: ManifestShortcut[];
}

export interface ManifestShortcut {
  type: 'global' | 'message';
  callbackId: string;
  name: string;
}

/** The app's manifest: the one source of the scopes an installed bot token has. */
export function readManifest(file = MANIFEST_PATH): AppManifest {
  const manifest = parse(readFileSync(file, 'utf8')) as {
    oauth_config?: { scopes?: { bot?: string[] } };
    features?: {
      app_home?: { home_tab_enabled?: boolean };
      shortcuts?: { type: 'global' | 'message'; callback_id: string; name: string }[];
    };
    settings?: { event_subscriptions?: { bot_events?: string[] } };
  };
  const subscriptions = manifest.settings?.event_subscriptions;
  return {
    botScopes: manifest.oauth_config?.scopes?.bot ?? [],
    homeTabEnabled: manifest.features?.app_home?.home_tab_enabled ?? false,
    botEvents: subscriptions ? (subscriptions.bot_events ?? []) : null,
    shortcuts: (manifest.features?.shortcuts ?? []).map(({ type, callback_id, name }) => ({ type, callbackId: callback_id, name })),
  };
}
