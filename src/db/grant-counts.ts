import type { LevelRef } from '../app/ports';
import type { Db } from './client';

/** Grants holding access now (`ACTIVE`, and `REVOKE_FAILED`: removal failed), counted per resource and level in one grouped query. */
export async function grantCounts(db: Db): Promise<(LevelRef & { status: 'ACTIVE' | 'REVOKE_FAILED'; count: number })[]> {
  const groups = await db.accessRequest.groupBy({
    by: ['resourceId', 'level', 'status'],
    where: { status: { in: ['ACTIVE', 'REVOKE_FAILED'] } },
    _count: { _all: true },
  });
  return groups.map((group) => ({
    resourceId: group.resourceId,
    level: group.level,
    status: group.status as 'ACTIVE' | 'REVOKE_FAILED',
    count: group._count._all,
  }));
}
