import { type Catalog, findLevel } from '../domain/catalog';
import { accessKeyOf, specOf } from '../domain/grant';
import type { Announcements, AuditLog, Clock, Metrics, Providers, RequestStore } from './ports';

export interface DriftDeps {
  catalog: Catalog;
  requests: Pick<RequestStore, 'liveOn' | 'audit'>;
  audit: Pick<AuditLog, 'recentDetails'>;
  providers: Providers;
  announcements: Pick<Announcements, 'postAudit'>;
  clock: Clock;
  metrics: Pick<Metrics, 'driftFound'>;
}

export interface DriftReport {
  found: { resource: string; level: string; access: string }[];
  /** Resources whose target could not be read this time. */
  unreadable: { resource: string; reason: string }[];
}

/** A drift is reported again after this long, so a standing one is not forgotten but does not flood. */
const REPORT_AGAIN_MS = 24 * 3600_000;

/**
 * Reads each target for access that no live grant covers (granted by hand, or left behind) and reports
 * it in the audit log and channel. Only providers that can list holders (`holders`) take part.
 */
export function checkDrift(deps: DriftDeps) {
  return async (): Promise<DriftReport> => {
    const now = deps.clock.now();
    const reported = await deps.audit.recentDetails('drift_found', new Date(now.getTime() - REPORT_AGAIN_MS));
    const report: DriftReport = { found: [], unreadable: [] };
    for (const resource of deps.catalog.resources) {
      const provider = deps.providers(resource);
      if (!provider.holders) continue;
      try {
        const live = await deps.requests.liveOn(resource.id, now);
        const covered = new Set(
          live.flatMap((request) => {
            const level = findLevel(resource, request.level);
            return level ? [accessKeyOf(provider, specOf(resource, level, request, request.expiresAt ?? now))] : [];
          }),
        );
        for (const level of resource.levels) {
          for (const access of await provider.holders(level.target)) {
            if (!covered.has(access)) report.found.push({ resource: resource.id, level: level.id, access });
          }
        }
      } catch (e) {
        report.unreadable.push({ resource: resource.id, reason: e instanceof Error ? e.message : String(e) });
      }
    }
    const fresh = report.found.filter((drift) => !reported.some((r) => r.resource === drift.resource && r.access === drift.access));
    const eventIds = [];
    for (const drift of fresh) {
      eventIds.push(
        await deps.requests.audit(null, {
          actor: 'system',
          action: 'drift_found',
          detail: { ...drift, reason: `${drift.access} holds ${drift.level} on ${drift.resource} with no live grant` },
        }),
      );
    }
    await deps.announcements.postAudit(eventIds);
    deps.metrics.driftFound(report.found.map(({ resource, level }) => ({ resourceId: resource, level })));
    return report;
  };
}
