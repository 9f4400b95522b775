/*
 * Every error prod-access raises on purpose has a stable code and a message written for a person. Its class
 * says who handles it; each code belongs to one class:
 * - UserError: a person asked for something that cannot be done as asked; the Slack listener tells them.
 * - StartupError: the configuration or the catalog is invalid; the command line prints it and exits.
 * - ProviderError: a provider or its target failed; another try may mend it, so the job retries.
 * - PermanentError: retrying cannot mend it; a job that may give up gives up at once.
 */

/** What a person can act on: another value in the modal, another approver, later. */
export type UserErrorCode =
  | 'UNKNOWN_RESOURCE'
  | 'UNKNOWN_LEVEL'
  | 'INVALID_DURATION'
  | 'INVALID_START'
  | 'DURATION_TOO_LONG'
  | 'MISSING_REASON'
  | 'INVALID_TICKET_URL'
  | 'NO_IDENTITY'
  | 'IDENTITY_CONFLICT'
  | 'NOT_AUTHORIZED'
  | 'SELF_APPROVAL'
  | 'ALREADY_DECIDED'
  | 'INVALID_STATE'
  | 'ACCESS_STILL_HELD'
  | 'RATE_LIMITED'
  | 'INVALID_COMMAND'
  | 'FORM_TIMED_OUT';

export type StartupErrorCode = 'CONFIG_INVALID' | 'CATALOG_INVALID';

export type ProviderErrorCode = 'PROVIDER_ERROR';

/**
 * The target refuses for good, the identity is no valid name there, what was named is gone, or the window
 * a scheduled request asked for ended before its grant could be applied.
 */
export type PermanentErrorCode = 'TARGET_REJECTED' | 'INVALID_IDENTITY' | 'NOT_FOUND' | 'WINDOW_ENDED';

export type ErrorCode = UserErrorCode | StartupErrorCode | ProviderErrorCode | PermanentErrorCode;

export abstract class ProdAccessError<Code extends ErrorCode = ErrorCode> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    /** Which input the error is about: a modal shows it next to that field; a catalog problem names that key. */
    readonly field?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A person's request or command is refused; the message says what would be accepted. */
export class UserError extends ProdAccessError<UserErrorCode> {}

/** The configuration or the catalog is invalid: start-up stops with the message, never a stack trace. */
export class StartupError extends ProdAccessError<StartupErrorCode> {}

/** A provider or its target failed in a way another try may mend: the job retries with backoff. */
export class ProviderError extends ProdAccessError<ProviderErrorCode> {}

/**
 * Retrying cannot mend it. A job that may give up (the grant) gives up at once and records why; a revoke
 * still retries until it succeeds.
 */
export class PermanentError extends ProdAccessError<PermanentErrorCode> {}

export function isProdAccessError(e: unknown): e is ProdAccessError {
  return e instanceof ProdAccessError;
}
