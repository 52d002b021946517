// Errors that become an HTTP answer. Routes and services (including the surge mechanisms) throw these;
// the API's error handler turns them into {error: {code, message, field?}} with the status.
export class ApiError extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly field?: string;
  /** Sent as Retry-After (429, 503). */
  readonly retryAfterSec?: number;

  constructor(statusCode: number, code: string, message: string, options: { field?: string; retryAfterSec?: number } = {}) {
    super(message);
    this.name = 'ApiError';
    this.statusCode = statusCode;
    this.code = code;
    this.field = options.field;
    this.retryAfterSec = options.retryAfterSec;
  }
}

export class InvalidCursorError extends ApiError {
  constructor(field = 'query.cursor') {
    super(400, 'invalid_cursor', 'cursor is not one this server issued; start again without a cursor', { field });
  }
}

/** Thrown by a service that is over capacity (e.g. a saturated translation provider): 503 with Retry-After. */
export class OverloadedError extends ApiError {
  constructor(message: string, retryAfterSec = 1) {
    super(503, 'overloaded', message, { retryAfterSec });
  }
}
