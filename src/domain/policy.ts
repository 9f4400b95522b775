import { AccessLevel, BreakGlass, Catalog, findLevel, findResource, IdentityRule, People, Resource } from './catalog';
import { formatDuration, parseDuration, truncate } from './durations';
import { PermanentError, UserError } from './errors';
import type { StartInput } from './scheduled-start';
import { isLive } from './grant';
import { escapeMarkup } from './text';
import { HOLDS_ACCESS, statusWords } from './lifecycle';
import type { AccessRequestRecord } from './request';

/** `/prod-access extend <id>`: more time on one's own grant, for a reason. */
export interface ExtensionInput {
  requestId: number;
  duration: string;
  reason: string;
}

export interface RequestInput {
  resourceId: string;
  levelId: string;
  /** Empty means the level's default duration. */
  duration: string;
  reason: string;
  ticketUrl?: string;
  /** When the access should begin (`--at`, the modal's picker); left out, as soon as it is approved. */
  start?: StartInput;
}

export interface ValidRequest {
  resource: Resource;
  level: AccessLevel;
  durationSeconds: number;
  reason: string;
  ticketUrl: string | null;
}

/** Both counted as Slack counts them, after escaping (`&` is 5 characters, `<` and `>` 4): see domain/text.ts. */
export const MAX_REASON_LENGTH = 1000;
export const MAX_TICKET_URL_LENGTH = 500;

/** Checks a request against the catalog; throws a UserError that says what would be accepted. */
export function validateRequest(catalog: Catalog, input: RequestInput): ValidRequest {
  const resource = findResource(catalog, input.resourceId.trim());
  if (!resource) {
    throw new UserError(
      'UNKNOWN_RESOURCE',
      `There is no resource "${truncate(input.resourceId, 60)}". Known resources: ${catalog.resources.map((r) => r.id).join(', ')}.`,
      'resource',
    );
  }
  const level = findLevel(resource, input.levelId.trim());
  if (!level) {
    throw new UserError(
      'UNKNOWN_LEVEL',
      `${resource.name} has no access level "${truncate(input.levelId, 60)}". Levels: ${resource.levels.map((l) => l.id).join(', ')}.`,
      'level',
    );
  }
  const durationSeconds = input.duration.trim() ? parseDuration(input.duration) : level.defaultDurationSeconds;
  if (durationSeconds > level.maxDurationSeconds) {
    throw new UserError(
      'DURATION_TOO_LONG',
      `${formatDuration(durationSeconds)} is longer than ${level.id} on ${resource.id} allows: at most ${formatDuration(level.maxDurationSeconds)}.`,
      'duration',
    );
  }
  const reason = input.reason.trim();
  if (!reason) {
    throw new UserError('MISSING_REASON', 'Say why you need access: a reason is required.', 'reason');
  }
  if (escapeMarkup(reason).length > MAX_REASON_LENGTH) {
    throw new UserError(
      'MISSING_REASON',
      `Keep the reason to ${MAX_REASON_LENGTH} characters, counted as Slack counts them (each &, < or > takes 4 or 5).`,
      'reason',
    );
  }
  return { resource, level, durationSeconds, reason, ticketUrl: validateTicketUrl(input.ticketUrl) };
}

export interface ValidBreakGlass extends ValidRequest {
  breakGlass: BreakGlass;
}

/**
 * `/prod-access break-glass`: the same checks as a request (resource, level, reason), on a level that
 * allows break-glass, for a duration within its break-glass maximum.
 */
export function validateBreakGlass(catalog: Catalog, input: RequestInput): ValidBreakGlass {
  // The level's default duration passes its own limit; the duration asked is checked against break-glass's below.
  const valid = validateRequest(catalog, { ...input, duration: '' });
  const { resource, level } = valid;
  if (!level.breakGlass) {
    throw new UserError(
      'NOT_AUTHORIZED',
      `${level.id} on ${resource.id} does not allow break-glass: nothing was granted. Ask for it with \`/prod-access request\`, approved by its owners.`,
    );
  }
  const durationSeconds = parseDuration(input.duration);
  if (durationSeconds > level.breakGlass.maxDurationSeconds) {
    throw new UserError(
      'DURATION_TOO_LONG',
      `${formatDuration(durationSeconds)} is longer than break-glass on ${level.id} of ${resource.id} allows: at most ${formatDuration(level.breakGlass.maxDurationSeconds)}.`,
      'duration',
    );
  }
  return { ...valid, durationSeconds, breakGlass: level.breakGlass };
}

/** A review's comment: required, and within the reason's limit, counted the same way. */
export function validateReviewComment(text: string): string {
  const comment = text.trim();
  if (!comment) throw new UserError('MISSING_REASON', 'Say what you checked: a review comment is required.', 'comment');
  if (escapeMarkup(comment).length > MAX_REASON_LENGTH) {
    throw new UserError('MISSING_REASON', `Keep the comment to ${MAX_REASON_LENGTH} characters, counted as Slack counts them.`, 'comment');
  }
  return comment;
}

export interface ReviewerContext {
  reviewerId: string;
  requesterId: string;
  /** The break-glass reviewer groups that the reviewer belongs to. */
  reviewerGroupIds: ReadonlySet<string>;
}

/** The one who broke the glass never reviews it; only its listed reviewers do. */
export function authorizeReview(breakGlass: BreakGlass, ctx: ReviewerContext): void {
  if (ctx.reviewerId === ctx.requesterId) {
    throw new UserError('SELF_APPROVAL', 'You cannot review your own break-glass grant: one of its reviewers must.');
  }
  if (!isListed(breakGlass.reviewers, ctx.reviewerId, ctx.reviewerGroupIds)) {
    throw new UserError('NOT_AUTHORIZED', 'You are not a break-glass reviewer of this access level.');
  }
}

/** Printable ASCII, no spaces, and none of the characters that end or label a link in Slack's markup. */
const PLAIN_URL = /^[\x21-\x7e]+$/;
const LINK_MARKUP = /[|<>]/;

/** A ticket link is a plain http(s) URL: nothing in it can label a link, mention someone or hide where it goes. */
function validateTicketUrl(raw: string | undefined): string | null {
  const text = raw?.trim();
  if (!text) return null;
  const refuse = (why: string) => new UserError('INVALID_TICKET_URL', `The ticket link must be a plain http(s) URL: ${why}.`, 'ticket');
  if (!PLAIN_URL.test(text) || LINK_MARKUP.test(text)) throw refuse('no spaces, no |, < or >, and no characters beyond ASCII');
  const url = URL.canParse(text) ? new URL(text) : null;
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || !url.hostname)
    throw refuse('like https://tickets.example.com/INC-42');
  if (url.username || url.password) throw refuse('no user name or password in it');
  if (escapeMarkup(url.href).length > MAX_TICKET_URL_LENGTH) throw refuse(`at most ${MAX_TICKET_URL_LENGTH} characters`);
  return url.href;
}

export interface SlackProfile {
  userId: string;
  email?: string | null;
  /** Slack's `is_email_confirmed`: an address nobody proved they own names nobody. */
  emailConfirmed: boolean;
  /** Custom profile fields: field id → value. */
  fields?: Record<string, string>;
  /** Slack's `tz` (users.info), an IANA zone like Europe/Paris: where a start like `--at 22:00` is read. */
  timeZone?: string | null;
}

/** Maps a Slack user to an identity in the target, or refuses: it never guesses. */
export function mapIdentity(rule: IdentityRule, profile: SlackProfile): string {
  const explicit = rule.map[profile.userId];
  const derived = explicit ?? deriveFromProfileField(rule, profile) ?? deriveFromEmail(rule, profile);
  if (!derived) {
    throw new UserError(
      'NO_IDENTITY',
      'You have no identity mapped for this resource, so access cannot be granted. Ask the platform team to add you to the catalog.',
    );
  }
  const broken = rule.patterns.find((pattern) => !new RegExp(pattern).test(derived));
  if (broken !== undefined) {
    throw new PermanentError(
      'INVALID_IDENTITY',
      `Your mapped identity "${truncate(derived, 64)}" is not a valid name in the target (it must match ${broken}). Ask the platform team to map you explicitly.`,
    );
  }
  return derived;
}

/**
 * The Slack user the catalog's explicit map gives an identity to, if any: a name derived from someone
 * else's profile never takes it. (The catalog refuses a map that gives one identity to two users.)
 */
export function explicitHolder(rule: IdentityRule, identity: string): string | undefined {
  return Object.entries(rule.map).find(([, mapped]) => mapped === identity)?.[0];
}

/** Refused when an identity belongs to another Slack user: one identity, one person. */
export function identityConflict(resourceId: string, identity: string): UserError {
  return new UserError(
    'IDENTITY_CONFLICT',
    `Your Slack profile maps to \`${truncate(identity, 64)}\` on ${resourceId}, which already belongs to another Slack user, so the request is refused. The platform team has been told; ask them to map you explicitly.`,
  );
}

function deriveFromProfileField(rule: IdentityRule, profile: SlackProfile): string | undefined {
  if (rule.fromProfileField === null) return undefined;
  const value = profile.fields?.[rule.fromProfileField]?.trim();
  return value ? asciiOnly(value, 'Your Slack profile field for this resource') : undefined;
}

function deriveFromEmail(rule: IdentityRule, profile: SlackProfile): string | undefined {
  const email = profile.email?.trim();
  if (rule.fromEmail === 'none' || !email) return undefined;
  // Checked before lower-casing: Unicode case mapping folds look-alikes (the Kelvin sign K) into ASCII.
  asciiOnly(email, 'Your Slack email address');
  const at = email.lastIndexOf('@');
  if (at <= 0) return undefined;
  if (!rule.emailDomains.includes(email.slice(at + 1).toLowerCase())) return undefined;
  if (!profile.emailConfirmed) {
    throw new UserError(
      'NO_IDENTITY',
      'Your Slack email address is not confirmed, so it cannot name you in the target. Confirm it in Slack, or ask the platform team to map you explicitly.',
    );
  }
  return email.slice(0, at).toLowerCase();
}

/** Printable ASCII only, so no look-alike letter or case folding can turn one person's name into another's. */
function asciiOnly(value: string, what: string): string {
  if (!/^[\x21-\x7e]+$/.test(value)) {
    throw new PermanentError(
      'INVALID_IDENTITY',
      `${what} has characters other than plain ASCII letters, digits and punctuation, so no identity is derived from it. Ask the platform team to map you explicitly.`,
    );
  }
  return value;
}

/** Whether a user is listed, directly or through one of the given groups they belong to. */
export function isListed(people: People, userId: string, groupIds: ReadonlySet<string>): boolean {
  return people.users.includes(userId) || people.groups.some((g) => groupIds.has(g));
}

/** A level that names its requesters is refused to everyone else; without them anyone in the workspace may ask. */
export function authorizeRequester(resource: Resource, level: AccessLevel, userId: string, groupIds: ReadonlySet<string>): void {
  if (level.requesters && !isListed(level.requesters, userId, groupIds)) {
    throw new UserError(
      'NOT_AUTHORIZED',
      `You may not request ${level.id} on ${resource.id}: only its listed requesters may. Ask its owners to add you if you need it.`,
    );
  }
}

export interface ApproverContext {
  approverId: string;
  requesterId: string;
  /** The level's approver groups that the approver belongs to. */
  approverGroupIds: ReadonlySet<string>;
}

/** The one who asks never approves; only listed approvers count. */
export function authorizeDecision(level: AccessLevel, ctx: ApproverContext): void {
  if (ctx.approverId === ctx.requesterId) {
    throw new UserError('SELF_APPROVAL', 'You cannot approve or deny your own request.');
  }
  if (!isListed(level.approvers, ctx.approverId, ctx.approverGroupIds)) {
    throw new UserError('NOT_AUTHORIZED', `You are not an approver for this access level (${level.id}).`);
  }
}

/** Early revoke: the requester, or anyone who may approve that level. */
export function authorizeEarlyRevoke(level: AccessLevel, userId: string, requesterId: string, groupIds: ReadonlySet<string>): void {
  if (userId !== requesterId && !isListed(level.approvers, userId, groupIds)) {
    throw new UserError('NOT_AUTHORIZED', 'Only the requester or an approver of this access can revoke it.');
  }
}

/** Only the requester extends, and only a grant that is live and not being revoked. */
export function authorizeExtension(original: AccessRequestRecord, userId: string, now: Date): void {
  if (original.requesterId !== userId) {
    throw new UserError(
      'NOT_AUTHORIZED',
      `Only the requester of #${original.id} can extend it. Ask for access of your own with \`/prod-access request\`.`,
    );
  }
  if (!isLive(original, now)) {
    const ending = HOLDS_ACCESS.includes(original.status);
    const state = ending ? (original.endedBy ? 'being revoked' : 'ending now') : statusWords(original.status);
    throw new UserError(
      'INVALID_STATE',
      `Request #${original.id} holds no live access to extend (it is ${state}). Ask anew with \`/prod-access request\`.`,
    );
  }
}

export interface RateLimit {
  requests: number;
  windowSeconds: number;
}

/** A burst of requests from one person is refused: approvers should not be flooded. `what` names what is counted. */
export function checkRateLimit(recentRequests: number, limit: RateLimit, what = 'requests'): void {
  if (recentRequests >= limit.requests) {
    throw new UserError(
      'RATE_LIMITED',
      `You have made ${recentRequests} ${what} in the last ${formatDuration(limit.windowSeconds)}; the limit is ${limit.requests}. Try again later.`,
    );
  }
}
