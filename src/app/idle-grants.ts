import { type Catalog, findEntry } from '../domain/catalog';
import { specOf } from '../domain/grant';
import { idleVerdict, isIdleBound, type SessionReading } from '../domain/idle';
import type { AccessRequestRecord } from '../domain/request';
import type { Announcements, Clock, LevelRef, Providers, RequestStore, Schedule } from './ports';
import { startEarlyRevoke } from './revokes';

export interface IdleGrantDeps {
  catalog: Catalog;
  requests: Pick<RequestStore, 'liveGrantsOn' | 'recordSessionSeen' | 'requestRevoke'>;
  providers: Providers;
  schedule: Pick<Schedule, 'revokeNow'>;
  announcements: Pick<Announcements, 'syncApprovalMessage' | 'postAudit' | 'refreshHomes'>;
  clock: Clock;
  /** Targets read at once; each read is already bounded in time by the provider's `sessions`. */
  concurrency?: number;
  batchSize?: number;
}

export interface SampleReport {
  sampled: number;
  ended: { id: number; reason: string }[];
  /** Grants whose target could not be read this time: kept, as not idle. */
  unreadable: { id: number; reason: string }[];
}

/**
 * The session sampler of idle-bound levels (catalog `idleTimeout`, `endsWithSession`): reads the live grants
 * on those levels from the database, asks each one's provider for its sessions, records on the request when
 * one was last seen open, and ends early (as the system, through the early revoke) those the rule in
 * domain/idle.ts says are idle. Everything it keeps is in the database, so a lost run only delays the next.
 */
export function sampleIdleGrants(deps: IdleGrantDeps) {
  const concurrency = deps.concurrency ?? 8;
  const limit = deps.batchSize ?? 1000;
  const levels: LevelRef[] = deps.catalog.resources.flatMap((resource) =>
    resource.levels.filter((level) => isIdleBound(level.idle)).map((level) => ({ resourceId: resource.id, level: level.id })),
  );

  async function sampleOne(request: AccessRequestRecord, report: SampleReport): Promise<void> {
    const entry = findEntry(deps.catalog, request);
    if (!entry || !isIdleBound(entry.level.idle)) return;
    const provider = deps.providers(entry.resource);
    let reading: SessionReading;
    try {
      if (!provider.sessions) throw new Error(`the ${entry.resource.provider.kind} provider lists no sessions`);
      const sessions = await provider.sessions(specOf(entry.resource, entry.level, request, request.expiresAt!));
      reading = { open: sessions.length };
    } catch (e) {
      reading = 'unreadable';
      report.unreadable.push({ id: request.id, reason: e instanceof Error ? e.message : String(e) });
    }
    // Taken after the read, so a session seen is never dated before it was seen.
    const now = deps.clock.now();
    let facts = request;
    if (reading !== 'unreadable' && reading.open > 0) {
      await deps.requests.recordSessionSeen(request.id, now);
      facts = { ...request, lastSessionSeenAt: now };
    }
    const verdict = idleVerdict(facts, entry.level.idle, reading, now);
    if (!verdict.end) return;
    const recorded = await deps.requests.requestRevoke(request.id, 'system', now, verdict.reason);
    // Null: someone else ended it meanwhile, which is as good.
    if (recorded) {
      await startEarlyRevoke(deps, recorded);
      report.ended.push({ id: request.id, reason: verdict.reason });
    }
  }

  return async (): Promise<SampleReport> => {
    const report: SampleReport = { sampled: 0, ended: [], unreadable: [] };
    if (levels.length === 0) return report;
    const grants = await deps.requests.liveGrantsOn(levels, deps.clock.now(), limit);
    report.sampled = grants.length;
    let next = 0;
    const failures: unknown[] = [];
    const lanes = Array.from({ length: Math.min(concurrency, grants.length) }, async () => {
      // One grant's failure (the database, the queue) must not keep the others unread: it is thrown at the end.
      while (next < grants.length) await sampleOne(grants[next++]!, report).catch((error: unknown) => failures.push(error));
    });
    await Promise.all(lanes);
    if (failures.length > 0) throw failures[0];
    return report;
  };
}
