import { type AccessReport, digestWindow, type ReportWindow, summarizeAccess } from '../domain/access-report';
import { digestSummary } from '../domain/access-report-output';
import type { Catalog } from '../domain/catalog';
import type { AccessReviews, Announcements, Clock } from './ports';

interface AccessReportDeps {
  reviews: Pick<AccessReviews, 'read'>;
  clock: Clock;
  catalog: Pick<Catalog, 'workingHours'>;
}

/** An access review of one window: what the database sums up, with the catalog's rules of unusual patterns. */
export function buildAccessReport(deps: AccessReportDeps) {
  return async (window: ReportWindow): Promise<AccessReport> =>
    summarizeAccess(await deps.reviews.read(window, deps.clock.now()), window, deps.catalog.workingHours ?? null);
}

/**
 * The periodic digest: the review of the last whole window of `intervalSeconds`, recorded once as an
 * `access_digest` audit row and so posted in the audit channel like every audit row (the reconciler posts
 * it again if the queue lost it). Null when that window's digest is already recorded, or nobody asked in it.
 */
export function postAccessDigest(
  deps: AccessReportDeps & { reviews: AccessReviews; announcements: Pick<Announcements, 'postAudit'>; intervalSeconds: number },
) {
  const review = buildAccessReport(deps);
  return async (): Promise<{ window: ReportWindow; eventId: bigint } | null> => {
    const window = digestWindow(deps.clock.now(), deps.intervalSeconds);
    const report = await review(window);
    // A window nobody asked in has nothing to review: no line in the audit channel for it.
    if (report.levels.length === 0) return null;
    const eventId = await deps.reviews.recordDigest(window, digestSummary(report));
    if (eventId === null) return null;
    await deps.announcements.postAudit([eventId]);
    return { window, eventId };
  };
}
