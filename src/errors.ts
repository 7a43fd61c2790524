// One error type for the whole service. Domain code throws it with a code; the HTTP layer
// maps the code to a status (src/http/errors.ts) and never shows internals of other errors.

export const errorStatus = {
  validation_failed: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  forbidden: 403,
  user_disabled: 403,
  not_found: 404,
  conflict: 409,
  idempotency_key_reused: 409,
  already_exists: 409,
  already_reversed: 409,
  reversal_would_overdraw: 409,
  insufficient_points: 409,
  insufficient_funds: 409,
  insufficient_goods: 409,
  out_of_stock: 409,
  voucher_not_issued: 409,
  wish_not_open: 409,
  wish_not_claimed: 409,
  wish_not_fulfilled: 409,
  claim_not_yours: 409,
  record_not_pending: 409,
  limit_reached: 409,
  points_expired: 409,
  same_person: 409,
  expense_not_pending: 409,
  already_recorded: 409,
  checkin_closed: 409,
  not_checked_in: 409,
  certificate_revoked: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: unknown = null,
  ) {
    super(message);
    this.name = "AppError";
  }

  get status(): (typeof errorStatus)[ErrorCode] {
    return errorStatus[this.code];
  }
}

export const notFound = (what: string) => new AppError("not_found", `${what} not found`);
export const forbidden = (message = "You may not do this") => new AppError("forbidden", message);
