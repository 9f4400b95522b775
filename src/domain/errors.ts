/** Every error a person may see carries a stable code and a message written for that person. */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'CATALOG_INVALID'
  | 'UNKNOWN_RESOURCE'
  | 'UNKNOWN_LEVEL'
  | 'INVALID_DURATION'
  | 'DURATION_TOO_LONG'
  | 'MISSING_REASON'
  | 'INVALID_TICKET_URL'
  | 'NO_IDENTITY'
  | 'INVALID_IDENTITY'
  | 'IDENTITY_CONFLICT'
  | 'NOT_FOUND'
  | 'NOT_AUTHORIZED'
  | 'SELF_APPROVAL'
  | 'ALREADY_DECIDED'
  | 'INVALID_STATE'
  | 'RATE_LIMITED'
  | 'PROVIDER_ERROR'
  | 'TARGET_REJECTED'
  | 'INVALID_COMMAND';

/** Failures that retrying cannot mend: the target refuses the grant itself, or the catalog entry is gone. */
export const NON_RETRYABLE_CODES: readonly ErrorCode[] = ['TARGET_REJECTED', 'INVALID_IDENTITY', 'NOT_FOUND'];

export class ProdAccessError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Which input field the error is about, so a modal can show it next to that field. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ProdAccessError';
  }
}

export function isProdAccessError(e: unknown): e is ProdAccessError {
  return e instanceof ProdAccessError;
}
