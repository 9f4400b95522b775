import type { LevelRef } from '../app/ports';
import type { Db } from './client';

/** What a grant count counts: grants holding access, and of those failing their revoke, the ones failing past the alert threshold. */
export type GrantCountKind = 'ACTIVE' | 'REVOKE_FAILED' | 'REVOKE_FAILED_OVERDUE';

/**
 * Grants holding access now (`ACTIVE`, and `REVOKE_FAILED`: removal failed), counted per resource and level in
 * one grouped query; and `REVOKE_FAILED_OVERDUE`, those in REVOKE_FAILED for longer than `overdueSeconds`.
 */
export async function grantCounts(db: Db, overdueSeconds: number): Promise<(LevelRef & { status: GrantCountKind; count: number })[]> {
  const [groups, overdue] = await Promise.all([
    db.accessRequest.groupBy({
      by: ['resourceId', 'level', 'status'],
      where: { status: { in: ['ACTIVE', 'REVOKE_FAILED'] } },
      _count: { _all: true },
    }),
    db.accessRequest.groupBy({
      by: ['resourceId', 'level'],
      where: { status: 'REVOKE_FAILED', revokeFailedAt: { lte: new Date(Date.now() - overdueSeconds * 1000) } },
      _count: { _all: true },
    }),
  ]);
  return [
    ...groups.map((group) => ({
      resourceId: group.resourceId,
      level: group.level,
      status: group.status as GrantCountKind,
      count: group._count._all,
    })),
    ...overdue.map((group) => ({
      resourceId: group.resourceId,
      level: group.level,
      status: 'REVOKE_FAILED_OVERDUE' as const,
      count: group._count._all,
    })),
  ];
}
