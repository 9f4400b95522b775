import { type AccessReport, type ReportWindow, summarizeAccess } from '../domain/access-report';
import type { Catalog } from '../domain/catalog';
import type { AccessReportReads, Clock } from './ports';

/** An access review of one window: what the database sums up, with the catalog's rules of unusual patterns. */
export function buildAccessReport(deps: { reads: AccessReportReads; clock: Clock; catalog: Pick<Catalog, 'workingHours'> }) {
  return async (window: ReportWindow): Promise<AccessReport> =>
    summarizeAccess(await deps.reads.read(window, deps.clock.now()), window, deps.catalog.workingHours ?? null);
}
