/** The request/grant state machine. Mirrors the RequestStatus enum in the database. */
export type RequestStatus = 'PENDING' | 'DENIED' | 'TIMED_OUT' | 'APPROVED' | 'ACTIVE' | 'EXPIRED' | 'REVOKED' | 'FAILED' | 'REVOKE_FAILED';

const TRANSITIONS: Record<RequestStatus, readonly RequestStatus[]> = {
  PENDING: ['APPROVED', 'DENIED', 'TIMED_OUT'],
  APPROVED: ['ACTIVE', 'FAILED', 'REVOKED'],
  ACTIVE: ['EXPIRED', 'REVOKED', 'REVOKE_FAILED'],
  REVOKE_FAILED: ['EXPIRED', 'REVOKED'],
  DENIED: [],
  TIMED_OUT: [],
  EXPIRED: [],
  REVOKED: [],
  FAILED: [],
};

export function canTransition(from: RequestStatus, to: RequestStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The states from which `to` can be reached: the `where` of a compare-and-set. */
export function statusesLeadingTo(to: RequestStatus): RequestStatus[] {
  return (Object.keys(TRANSITIONS) as RequestStatus[]).filter((from) => canTransition(from, to));
}

/** States in which the permission may exist in the target and must eventually be removed. */
export const HOLDS_ACCESS: readonly RequestStatus[] = ['ACTIVE', 'REVOKE_FAILED'];

/** A status as a person reads it: `revoke failed`, `timed out`. */
export function statusWords(status: RequestStatus): string {
  return status.toLowerCase().replace('_', ' ');
}

export function isFinal(status: RequestStatus): boolean {
  return TRANSITIONS[status].length === 0;
}

/** How the end of a grant is recorded: at its expiry, or given back early by someone. */
export function endStatus(endedBy: string | null): RequestStatus {
  return endedBy ? 'REVOKED' : 'EXPIRED';
}

/**
 * A break-glass grant skips the approvers: it is stored already APPROVED, marked `breakGlass` and audited
 * as `break_glass`, so the grant job, the expiry, an early revoke and the reconciler take it from there as
 * from any approval. Its review comes afterwards and moves no status (a claim column records it once).
 */
export const BREAK_GLASS_STATUS = 'APPROVED' satisfies RequestStatus;
