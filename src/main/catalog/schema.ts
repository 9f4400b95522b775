import { z } from 'zod';
import type { Catalog, IdentityRule, ProviderSettings } from '../../domain/catalog';
import { formatDuration, parseDuration } from '../../domain/durations';
import { DEFAULT_WARN_BEFORE_SECONDS } from '../../domain/expiry-warning';
import type { Reminders } from '../../domain/reminders';
import type { ProdAccessError } from '../../domain/errors';
import { isRegExp, type ResolvedProvider, resolveProvider } from '../../providers/registry';
import { plainIssues } from '../../shared/plain-issues';

/** Refinements that run even when a sibling field failed (so `catalog validate` lists every problem at once), on any object. */
const ALWAYS = { when: (payload: { value: unknown }) => typeof payload.value === 'object' && payload.value !== null };

const id = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'must be lower-case letters, digits, ".", "_" or "-"');
const slackChannel = z.string().regex(/^[CG][A-Z0-9]{2,}$/, 'must be a Slack channel id like C0123ABCD');
const slackUser = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'must be a Slack user id like U0123ABCD');
const slackGroup = z.string().regex(/^S[A-Z0-9]{2,}$/, 'must be a Slack user group id like S0123ABCD');
const duration = z.string().transform((text, ctx) => {
  try {
    return parseDuration(text);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});

const profileFieldId = z.string().regex(/^X[A-Za-z0-9]{2,}$/, 'must be the id of a custom Slack profile field, like Xf01ABCDEF');
/** ASCII only, checked before lower-casing, so a look-alike letter never folds into a listed domain. */
const emailDomain = z
  .string()
  .regex(/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/, 'must be a domain name in ASCII, like example.com')
  .toLowerCase();

const ADMIN_ONLY =
  'and only once a workspace admin has made the field editable by admins alone: one its owner can edit lets anyone name anyone';

const identitySchema = z
  .strictObject({
    map: z.record(slackUser, z.string().min(1)).default({}),
    fromEmail: z.enum(['local-part', 'none']).default('none'),
    emailDomains: z.array(emailDomain).default([]),
    // A field its owner can edit would let anyone name anyone: only one a workspace admin manages counts.
    fromProfileField: z
      .strictObject(
        {
          field: profileFieldId,
          adminManaged: z.literal(true, { error: `must be true, ${ADMIN_ONLY}` }),
        },
        {
          error: (issue) =>
            typeof issue.input === 'string' ? `must be { field: ${issue.input}, adminManaged: true }, ${ADMIN_ONLY}` : undefined,
        },
      )
      .optional(),
    /** Narrows the provider kind's own identity rule; it can never widen it. */
    pattern: z
      .string()
      .refine((p) => isRegExp(p), 'must be a valid regular expression')
      .optional(),
  })
  // Runs even when a sibling field failed, so every problem is listed at once; hence it trusts no shape.
  .superRefine((rule, ctx) => {
    // One derivation rule at most, so which one named a person is never in doubt.
    if (rule.fromProfileField && rule.fromEmail === 'local-part') {
      ctx.addIssue({ code: 'custom', path: ['fromProfileField'], message: 'use either fromEmail or fromProfileField, not both' });
    }
    if (rule.fromEmail === 'local-part' && !(Array.isArray(rule.emailDomains) && rule.emailDomains.length > 0)) {
      ctx.addIssue({
        code: 'custom',
        path: ['emailDomains'],
        message:
          "fromEmail: local-part needs the domains your organisation's addresses use; from any domain, victim@evil.example would be victim",
      });
    }
    const mapped = rule.map && typeof rule.map === 'object' ? Object.entries(rule.map) : [];
    mapped.forEach(([user, identity], i) => {
      const first = mapped.findIndex(([, other]) => other === identity);
      if (first < i) {
        ctx.addIssue({
          code: 'custom',
          path: ['map', user],
          message: `maps to "${identity}" like ${mapped[first]![0]}: one identity, one person`,
        });
      }
    });
  }, ALWAYS);
type IdentityFile = z.output<typeof identitySchema>;

const people = z.strictObject({
  users: z.array(slackUser).default([]),
  groups: z.array(slackGroup).default([]),
});

/**
 * What a request nobody decides gets before it times out: a reminder in the approval message's thread
 * after `remindAfter`, an escalation to `escalateTo` after `escalateAfter`; either may be left out.
 */
const remindersSchema = z
  .strictObject({
    remindAfter: duration.optional(),
    escalateAfter: duration.optional(),
    escalateTo: z.strictObject({ channel: slackChannel.optional(), group: slackGroup.optional() }).optional(),
  })
  // Runs even when a sibling field failed (so every problem is listed at once); checks its inputs' types.
  .superRefine((reminders, ctx) => {
    const { remindAfter, escalateAfter, escalateTo } = reminders;
    if (remindAfter === undefined && escalateAfter === undefined) {
      ctx.addIssue({ code: 'custom', message: 'needs remindAfter, escalateAfter or both' });
    }
    if (escalateAfter !== undefined && escalateTo === undefined) {
      ctx.addIssue({ code: 'custom', path: ['escalateTo'], message: 'is needed with escalateAfter: a channel, a user group, or both' });
    }
    if (escalateTo !== undefined && escalateAfter === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['escalateAfter'],
        message: 'is needed with escalateTo: how long a request waits before it is escalated',
      });
    }
    if (escalateTo && typeof escalateTo === 'object' && escalateTo.channel === undefined && escalateTo.group === undefined) {
      ctx.addIssue({ code: 'custom', path: ['escalateTo'], message: 'needs a channel, a user group, or both' });
    }
    if (typeof remindAfter === 'number' && typeof escalateAfter === 'number' && remindAfter >= escalateAfter) {
      ctx.addIssue({ code: 'custom', path: ['escalateAfter'], message: 'must be longer than remindAfter' });
    }
  }, ALWAYS);
type RemindersFile = z.output<typeof remindersSchema>;

/** Granted at once without an approver, reviewed afterwards (domain/catalog.ts `BreakGlass`). */
const breakGlassSchema = z
  .strictObject({
    maxDuration: duration,
    reviewers: people,
    reviewWithin: duration,
  })
  .superRefine((glass, ctx) => {
    const { users, groups } = glass.reviewers ?? {};
    if ((users?.length ?? 0) + (groups?.length ?? 0) === 0) {
      ctx.addIssue({ code: 'custom', path: ['reviewers'], message: 'must list at least one reviewer user or group' });
    }
  }, ALWAYS);

const levelSchema = z
  .strictObject({
    id,
    description: z.string().default(''),
    target: z.record(z.string(), z.unknown()),
    maxDuration: duration,
    defaultDuration: duration.optional(),
    approvals: z.number().int().min(1).max(10).default(1),
    approvers: people,
    /** Who may ask; left out, anyone in the workspace may. */
    requesters: people.optional(),
    /** Approve asks for confirmation; left out, a level that needs two or more approvals does. */
    confirmApproval: z.boolean().optional(),
    /** Replaces the resource's reminders for this level. */
    reminders: remindersSchema.optional(),
    /** Left out, the level is never granted without an approver. */
    breakGlass: breakGlassSchema.optional(),
    /** How long before a grant ends its requester is warned by DM; `false` (or 0): never. */
    warnBefore: z.union([z.literal(false), z.literal(0), duration]).optional(),
    /** A grant with no session open this long (since the grant, or since one was last seen) ends early. */
    idleTimeout: duration.optional(),
    /** The grant ends once a session has been seen and none is open any more. */
    endsWithSession: z.boolean().optional(),
  })
  // Runs even when a sibling field failed (so every problem is listed at once); checks its inputs' types.
  .superRefine((level, ctx) => {
    const { defaultDuration, maxDuration, approvals } = level;
    if (typeof defaultDuration === 'number' && typeof maxDuration === 'number' && defaultDuration > maxDuration) {
      ctx.addIssue({ code: 'custom', path: ['defaultDuration'], message: 'must not be longer than maxDuration' });
    }
    const { warnBefore } = level;
    if (typeof warnBefore === 'number' && warnBefore > 0 && typeof maxDuration === 'number' && warnBefore >= maxDuration) {
      ctx.addIssue({ code: 'custom', path: ['warnBefore'], message: 'must be shorter than maxDuration (or false for no warning)' });
    }
    const { idleTimeout } = level;
    if (typeof idleTimeout === 'number' && typeof maxDuration === 'number' && idleTimeout >= maxDuration) {
      ctx.addIssue({ code: 'custom', path: ['idleTimeout'], message: 'must be shorter than maxDuration' });
    }
    const users = Array.isArray(level.approvers?.users) ? level.approvers.users : [];
    const groups = Array.isArray(level.approvers?.groups) ? level.approvers.groups : [];
    if (users.length + groups.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['approvers'], message: 'must list at least one approver user or group' });
    } else if (groups.length === 0 && typeof approvals === 'number' && users.length < approvals) {
      ctx.addIssue({
        code: 'custom',
        path: ['approvals'],
        message: `needs ${approvals} distinct approvers but only ${users.length} are listed`,
      });
    }
    const glass = level.breakGlass;
    if (glass && typeof glass.maxDuration === 'number' && typeof maxDuration === 'number' && glass.maxDuration > maxDuration) {
      ctx.addIssue({ code: 'custom', path: ['breakGlass', 'maxDuration'], message: "must not be longer than the level's maxDuration" });
    }
    const requesters = level.requesters;
    if (requesters && (requesters.users?.length ?? 0) + (requesters.groups?.length ?? 0) === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['requesters'],
        message: 'must list at least one user or group; leave requesters out to let anyone in the workspace ask',
      });
    }
  }, ALWAYS);

const resourceSchema = z
  .strictObject({
    id,
    name: z.string().min(1),
    description: z.string().default(''),
    ownersChannel: slackChannel,
    provider: z.looseObject({ kind: z.string() }),
    identity: identitySchema.optional(),
    /** For every level that has none of its own. */
    reminders: remindersSchema.optional(),
    levels: z.array(levelSchema).min(1),
  })
  // Runs even when other fields have problems, so one pass reports them all; hence it trusts no shape.
  .superRefine((resource, ctx) => checkProvider(resource as unknown as Record<string, unknown>, ctx), ALWAYS);

/** Provider settings and level targets are validated by the provider kind the resource names. */
function checkProvider(resource: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const provider = resource.provider as Record<string, unknown> | undefined;
  if (typeof provider?.kind !== 'string') return;
  const { kind: kindName, ...rawSettings } = provider;
  let resolved: ResolvedProvider;
  try {
    resolved = resolveProvider({ kind: kindName, settings: rawSettings });
  } catch (e) {
    const problem = e as ProdAccessError;
    ctx.addIssue({ code: 'custom', path: ['provider', problem.field ?? 'kind'], message: problem.message });
    return;
  }
  const { kind, settings } = resolved;
  addIssues(ctx, kind.settingsSchema.safeParse(settings, { error: CATALOG_MESSAGES }), ['provider']);
  const levels = Array.isArray(resource.levels) ? (resource.levels as Record<string, unknown>[]) : [];
  levels.forEach((level, i) =>
    addIssues(ctx, kind.targetSchema.safeParse(level?.target, { error: CATALOG_MESSAGES }), ['levels', i, 'target']),
  );
  addIdleIssues(ctx, levels, kind.kind, () => readsSessions(kind, settings));
  addDuplicateIssues(
    ctx,
    levels.map((l) => l?.id),
    'levels',
  );
}

/** Idle-bound levels need a provider that lists a grant's sessions: without them, idleness cannot be told. */
function addIdleIssues(ctx: z.RefinementCtx, levels: Record<string, unknown>[], kind: string, hasSessions: () => boolean): void {
  levels.forEach((level, i) => {
    for (const field of ['idleTimeout', 'endsWithSession'] as const) {
      if (level?.[field] === undefined || level[field] === false || hasSessions()) continue;
      ctx.addIssue({
        code: 'custom',
        path: ['levels', i, field],
        message: `needs a provider that lists a grant's sessions (postgres, mysql, redis-acl); this resource's provider kind "${kind}" cannot tell whether its grants are used`,
      });
    }
  });
}

/**
 * Whether the kind's providers list sessions. Building one connects to nothing (connections are opened per
 * call), so an empty environment is enough; a kind that cannot be built here is taken at its word.
 */
function readsSessions(kind: ResolvedProvider['kind'], settings: unknown): boolean {
  try {
    return typeof kind.create(settings, {}).sessions === 'function';
  } catch {
    return true;
  }
}

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const DAYS_HINT = 'must be days like mon-fri, or mon,tue,thu (sun, mon, tue, wed, thu, fri, sat)';

/** `mon-fri` (a range, which may wrap: fri-mon) or `mon,wed,fri`, to 0 = Sunday … 6 = Saturday. */
const weekdays = z.string().transform((text, ctx) => {
  const day = (name: string) => WEEKDAYS.indexOf(name.trim().toLowerCase());
  const range = /^([a-z]{3})\s*-\s*([a-z]{3})$/i.exec(text.trim());
  const days = range ? [day(range[1]!), day(range[2]!)] : text.split(',').map(day);
  if (days.some((d) => d < 0)) {
    ctx.addIssue({ code: 'custom', message: DAYS_HINT });
    return z.NEVER;
  }
  if (!range) return [...new Set(days)].sort((a, b) => a - b);
  const [first, last] = days as [number, number];
  return Array.from({ length: ((last - first + 7) % 7) + 1 }, (_, i) => (first + i) % 7).sort((a, b) => a - b);
});
const clockTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time like 09:00 or 18:30')
  .transform((text) => Number(text.slice(0, 2)) * 60 + Number(text.slice(3)));
const timeZone = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone, like Europe/Paris or UTC');

/** When people are expected to work; grants that begin outside these hours are called out in reports. */
const workingHoursSchema = z
  .strictObject({ days: weekdays, from: clockTime, to: clockTime, timeZone })
  .refine((hours) => hours.from < hours.to, { path: ['to'], message: 'must be later than from' });

export const catalogSchema = z
  .strictObject({
    auditChannel: slackChannel,
    pendingTimeout: duration.default(3600),
    identity: identitySchema.optional(),
    /** Left out: the report's after-hours rule is off. */
    workingHours: workingHoursSchema.optional(),
    resources: z.array(resourceSchema).min(1),
  })
  .superRefine((catalog, ctx) => {
    const resources = Array.isArray(catalog.resources) ? (catalog.resources as { id?: unknown }[]) : [];
    addDuplicateIssues(
      ctx,
      resources.map((r) => r?.id),
      'resources',
    );
    if (typeof catalog.pendingTimeout === 'number') addReminderTimeoutIssues(ctx, resources, catalog.pendingTimeout);
  }, ALWAYS);

/** Every step must come before the pending timeout, or it would never be sent. */
function addReminderTimeoutIssues(ctx: z.RefinementCtx, resources: unknown[], pendingTimeout: number): void {
  const check = (reminders: unknown, path: (string | number)[]) => {
    const steps = reminders && typeof reminders === 'object' ? (reminders as Record<string, unknown>) : {};
    for (const field of ['remindAfter', 'escalateAfter']) {
      const delay = steps[field];
      if (typeof delay === 'number' && delay >= pendingTimeout) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'reminders', field],
          message: `must be shorter than pendingTimeout (${formatDuration(pendingTimeout)})`,
        });
      }
    }
  };
  resources.forEach((resource, i) => {
    const { reminders, levels } = (resource ?? {}) as { reminders?: unknown; levels?: unknown };
    check(reminders, ['resources', i]);
    if (Array.isArray(levels))
      levels.forEach((level, j) => check((level as { reminders?: unknown } | null)?.reminders, ['resources', i, 'levels', j]));
  });
}

export type CatalogFile = z.input<typeof catalogSchema>;

const REFUSE_ALL: IdentityFile = { map: {}, fromEmail: 'none', emailDomains: [] };

/** Turns the validated file into domain types: defaults filled in, identity rules resolved per resource. */
export function toCatalog(file: z.output<typeof catalogSchema>): Catalog {
  return {
    auditChannel: file.auditChannel,
    pendingTimeoutSeconds: file.pendingTimeout,
    ...(file.workingHours && {
      workingHours: {
        days: file.workingHours.days,
        fromMinute: file.workingHours.from,
        toMinute: file.workingHours.to,
        timeZone: file.workingHours.timeZone,
      },
    }),
    resources: file.resources.map(({ provider: { kind, ...settings }, identity, levels, reminders: resourceReminders, ...resource }) => {
      const provider = { kind, settings };
      return {
        ...resource,
        provider,
        identity: identityRule(identity ?? file.identity ?? REFUSE_ALL, provider),
        levels: levels.map(
          ({
            maxDuration,
            defaultDuration,
            approvals,
            requesters,
            confirmApproval,
            reminders,
            breakGlass,
            warnBefore,
            idleTimeout,
            endsWithSession,
            ...level
          }) => ({
            ...level,
            requesters: requesters ?? null,
            warnBeforeSeconds: warnBefore === undefined ? DEFAULT_WARN_BEFORE_SECONDS : warnBefore || null,
            // Owners who ask two people to agree have said the level weighs; one-approval levels that write say so.
            confirmApproval: confirmApproval ?? approvals >= 2,
            reminders: remindersOf(reminders ?? resourceReminders),
            breakGlass: breakGlass
              ? {
                  maxDurationSeconds: breakGlass.maxDuration,
                  reviewers: breakGlass.reviewers,
                  reviewWithinSeconds: breakGlass.reviewWithin,
                }
              : null,
            idle:
              idleTimeout !== undefined || endsWithSession
                ? { idleTimeoutSeconds: idleTimeout ?? null, endsWithSession: endsWithSession ?? false }
                : null,
            maxDurationSeconds: maxDuration,
            defaultDurationSeconds: defaultDuration ?? Math.min(maxDuration, 3600),
            approvalsRequired: approvals,
          }),
        ),
      };
    }),
  };
}

/** A level's reminders as the domain has them (the schema made sure an escalation has its target). */
function remindersOf(file: RemindersFile | undefined): Reminders | null {
  if (!file) return null;
  const { remindAfter, escalateAfter, escalateTo } = file;
  return {
    remindAfterSeconds: remindAfter ?? null,
    escalation:
      escalateAfter !== undefined && escalateTo
        ? { afterSeconds: escalateAfter, channel: escalateTo.channel ?? null, group: escalateTo.group ?? null }
        : null,
  };
}

/** The catalog's rule, checked against the names the resource's target accepts as well as its own pattern. */
function identityRule({ pattern, fromProfileField, ...rule }: IdentityFile, provider: ProviderSettings): IdentityRule {
  const { kind, settings } = resolveProvider(provider);
  return {
    ...rule,
    fromProfileField: fromProfileField?.field ?? null,
    patterns: [kind.identityPattern(settings), ...(pattern ? [pattern] : [])],
  };
}

/** zod's own messages, in the catalog's words ("must be one of grant-role or login-role"). */
export const CATALOG_MESSAGES = plainIssues((expected) => `must be ${expected}`);

function addIssues(ctx: z.RefinementCtx, result: z.ZodSafeParseResult<unknown>, prefix: (string | number)[]): void {
  for (const issue of result.error?.issues ?? []) {
    ctx.addIssue({ code: 'custom', path: [...prefix, ...issue.path], message: issue.message });
  }
}

function addDuplicateIssues(ctx: z.RefinementCtx, ids: unknown[], path: string): void {
  ids.forEach((value, i) => {
    if (typeof value === 'string' && ids.indexOf(value) !== i)
      ctx.addIssue({ code: 'custom', path: [path, i, 'id'], message: `duplicate id "${value}"` });
  });
}
