import { PermanentError } from './errors';
import type { IdleRule } from './idle';
import type { Reminders } from './reminders';

/** The catalog as the rest of the system sees it: plain data, already validated. */

export interface IdentityRule {
  /** Slack user id → identity in the target. Checked first. */
  map: Record<string, string>;
  /** Derive from the Slack profile's email when the map has no entry; `none` refuses instead of guessing. */
  fromEmail: 'local-part' | 'none';
  /** Email domains the email rule accepts (never empty with `local-part`: the catalog requires them). */
  emailDomains: string[];
  /**
   * Or take the identity from this custom Slack profile field (its id, like Xf01ABCDEF). The catalog only
   * accepts one it declares admin-managed: a field its owner can edit would let anyone name anyone.
   */
  fromProfileField: string | null;
  /**
   * The identity must match every one of these: the provider kind's rule for names in its target, and the
   * catalog's own narrower pattern if it has one. So a strange email never turns into a strange user name.
   */
  patterns: string[];
}

/** Slack users and user groups, listed by id. */
export interface People {
  users: string[];
  /** Slack user group ids (S…). */
  groups: string[];
}

export type Approvers = People;

/**
 * A level's break-glass: `/prod-access break-glass` grants it at once without an approver, loudly, and the
 * grant is reviewed afterwards by one of its reviewers (never its requester).
 */
export interface BreakGlass {
  /** The longest a break-glass grant may last (at most the level's own maxDuration). */
  maxDurationSeconds: number;
  reviewers: People;
  /**
   * A grant nobody reviewed this long after it was made is escalated, once: a post in the owners' channel
   * with `@here` and the reviewers mentioned, and a `break_glass_escalated` line in the audit channel.
   */
  reviewWithinSeconds: number;
}

export interface AccessLevel {
  id: string;
  description: string;
  /** Provider-specific: what to grant (for PostgreSQL, the role). */
  target: Record<string, unknown>;
  maxDurationSeconds: number;
  defaultDurationSeconds: number;
  approvalsRequired: number;
  approvers: Approvers;
  /** Who may ask for this level; null means anyone in the workspace. */
  requesters: People | null;
  /** Approve asks the approver to confirm: the level writes or administers (catalog `confirmApproval`). */
  confirmApproval: boolean;
  /** What a request nobody decides gets before it times out (the level's own, or its resource's); null: nothing. */
  reminders: Reminders | null;
  /** Null: this level is never granted without an approver. */
  breakGlass: BreakGlass | null;
  /** How long before a grant ends its requester is warned (see domain/expiry-warning.ts); null: never. */
  warnBeforeSeconds: number | null;
  /** Grants that end early when their sessions say the access is unused (domain/idle.ts); null: never. */
  idle: IdleRule | null;
}

export interface ProviderSettings {
  kind: string;
  /** Provider-specific settings; secrets only as names of environment variables. */
  settings: Record<string, unknown>;
}

export interface Resource {
  id: string;
  name: string;
  description: string;
  ownersChannel: string;
  provider: ProviderSettings;
  identity: IdentityRule;
  levels: AccessLevel[];
}

/** When people are expected to work (catalog `workingHours`): a grant that begins outside them is called out in reports. */
export interface WorkingHours {
  /** Days of the week, 0 = Sunday … 6 = Saturday. */
  days: number[];
  /** Minutes after midnight, on the clock of `timeZone`; `from` < `to`. */
  fromMinute: number;
  toMinute: number;
  /** An IANA time zone, like Europe/Paris. */
  timeZone: string;
}

export interface Catalog {
  auditChannel: string;
  pendingTimeoutSeconds: number;
  resources: Resource[];
  /** Left out: the report's after-hours rule is off. */
  workingHours?: WorkingHours;
}

export function findResource(catalog: Catalog, resourceId: string): Resource | undefined {
  return catalog.resources.find((r) => r.id === resourceId);
}

export function findLevel(resource: Resource, levelId: string): AccessLevel | undefined {
  return resource.levels.find((l) => l.id === levelId);
}

/** The catalog entry a stored request refers to, if the catalog still has it. */
export function findEntry(
  catalog: Catalog,
  request: { resourceId: string; level: string },
): { resource: Resource; level: AccessLevel } | undefined {
  const resource = findResource(catalog, request.resourceId);
  const level = resource && findLevel(resource, request.level);
  return resource && level ? { resource, level } : undefined;
}

/** The catalog entry a stored request refers to; a request outliving its catalog entry is an error. */
export function entryOf(catalog: Catalog, request: { resourceId: string; level: string }): { resource: Resource; level: AccessLevel } {
  const entry = findEntry(catalog, request);
  if (!entry) throw new PermanentError('NOT_FOUND', `${request.resourceId}/${request.level} is no longer in the catalog.`);
  return entry;
}

/** What `catalog validate` points out in a valid catalog: who may ask for what, and which identities rest on trust. */
export function catalogNotes(catalog: Catalog): string[] {
  const open = catalog.resources.flatMap((r) => r.levels.filter((l) => l.requesters === null).map((l) => `${r.id}/${l.id}`));
  const fields = catalog.resources.flatMap((r) =>
    r.identity.fromProfileField === null
      ? []
      : [
          `warning: ${r.id} takes identities from the custom profile field ${r.identity.fromProfileField}: ` +
            'anyone who can edit that field can name any identity, so keep it editable by workspace admins only',
        ],
  );
  const glass = catalog.resources.flatMap((r) => r.levels.filter((l) => l.breakGlass !== null).map((l) => `${r.id}/${l.id}`));
  return [
    ...(open.length > 0 ? [`open to everyone in the workspace (no requesters): ${open.join(', ')}`] : []),
    ...(glass.length > 0 ? [`break-glass allowed (granted without an approver, reviewed afterwards): ${glass.join(', ')}`] : []),
    ...fields,
  ];
}
