import type { AccessLevel } from './catalog';

/** How long before a grant ends its requester is warned, when the level does not say. */
export const DEFAULT_WARN_BEFORE_SECONDS = 600;

/**
 * When the requester of a grant is warned that it is about to end: the level's `warnBefore` ahead of the
 * end, or a fifth of the grant's duration ahead of it when that is shorter, so a short grant is not warned
 * about as soon as it starts. Null when the level warns of nothing.
 */
export function expiryWarningAt(level: Pick<AccessLevel, 'warnBeforeSeconds'>, durationSeconds: number, expiresAt: Date): Date | null {
  if (level.warnBeforeSeconds === null) return null;
  const leadMs = Math.round(Math.min(level.warnBeforeSeconds, durationSeconds / 5) * 1000);
  return new Date(expiresAt.getTime() - leadMs);
}
