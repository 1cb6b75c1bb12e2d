import type { FieldProblem } from '@fer/contracts';

/** Error codes the API answers with; mapped to HTTP statuses in one place (ApiExceptionFilter). */
export enum ApiErrorCode {
  ValidationFailed = 'validation_failed',
  MalformedJson = 'malformed_json',
  PayloadTooLarge = 'payload_too_large',
  Unauthenticated = 'unauthenticated',
  Forbidden = 'forbidden',
  NotFound = 'not_found',
  MethodNotAllowed = 'method_not_allowed',
  Conflict = 'conflict',
  /** The same Idempotency-Key was sent with another request: never replayed, never executed. */
  IdempotencyKeyReused = 'idempotency_key_reused',
  RateLimited = 'rate_limited',
  DependencyUnavailable = 'dependency_unavailable',
  Internal = 'internal_error',
}

export const API_ERROR_STATUS: Record<ApiErrorCode, number> = {
  [ApiErrorCode.ValidationFailed]: 400,
  [ApiErrorCode.MalformedJson]: 400,
  [ApiErrorCode.PayloadTooLarge]: 413,
  [ApiErrorCode.Unauthenticated]: 401,
  [ApiErrorCode.Forbidden]: 403,
  [ApiErrorCode.NotFound]: 404,
  [ApiErrorCode.MethodNotAllowed]: 405,
  [ApiErrorCode.Conflict]: 409,
  [ApiErrorCode.IdempotencyKeyReused]: 422,
  [ApiErrorCode.RateLimited]: 429,
  [ApiErrorCode.DependencyUnavailable]: 503,
  [ApiErrorCode.Internal]: 500,
};

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly problems?: FieldProblem[],
    /** Sent as `Retry-After` (seconds) with 429 and 503 answers. */
    readonly retryAfterSeconds?: number,
    /** Sent as `Allow` with 405 answers. */
    readonly allow?: string[],
  ) {
    super(message);
  }

  get status(): number {
    return API_ERROR_STATUS[this.code];
  }

  static notFound(what: string, id: string): ApiError {
    return new ApiError(ApiErrorCode.NotFound, `${what} "${id}" does not exist`);
  }

  static validation(message: string, problems: FieldProblem[] = []): ApiError {
    return new ApiError(ApiErrorCode.ValidationFailed, message, problems);
  }
}
