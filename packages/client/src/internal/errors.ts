import { retryAfterMs } from "./retry.js";
import type { ApiErrorBody, ErrorCode, ErrorDetail } from "./types.js";

/** The base class of every error the client throws. */
export class ContactsError extends Error {
  override readonly name: string = "ContactsError";
}

/** The server answered with an error status. Subclasses name the common statuses. */
export class ApiError extends ContactsError {
  override readonly name: string = "ApiError";
  /** The HTTP status. */
  readonly status: number;
  /** The stable machine-readable code; undefined when the body is not the API's error shape. */
  readonly code: ErrorCode | undefined;
  /** One entry per failing field, on validation errors. */
  readonly details: ErrorDetail[] | undefined;
  /** The id of the request (body `request_id` or `Request-Id` header): quote it in bug reports. */
  readonly requestId: string | undefined;
  /** The response headers. */
  readonly headers: Headers;
  /** The parsed response body (the API's error object, or the text of a foreign body). */
  readonly body: unknown;

  constructor(status: number, body: unknown, headers: Headers, statusText = "") {
    const parsed = errorBodyOf(body);
    super(
      parsed?.message ?? parsed?.error ?? (`${status} ${statusText}`.trim() || `HTTP ${status}`),
    );
    this.status = status;
    this.code = parsed?.code;
    this.details = parsed?.details;
    this.requestId = parsed?.request_id ?? headers.get("request-id") ?? undefined;
    this.headers = headers;
    this.body = body;
  }
}

/** 400: the request is invalid; `details` names each failing field. */
export class BadRequestError extends ApiError {
  override readonly name: string = "BadRequestError";
}
/** 401: the API key is missing, unknown or revoked. */
export class AuthenticationError extends ApiError {
  override readonly name: string = "AuthenticationError";
}
/**
 * 404 `not_found`: no contact with this `_id` or `external_id` in the key's workspace. Only the
 * API's own `not_found` code makes this error; any other 404 is a `RouteNotFoundError`.
 */
export class NotFoundError extends ApiError {
  override readonly name: string = "NotFoundError";
}
/**
 * 404 `route_not_found`, or a 404 that is not the API's error shape: the request went to a path
 * the server does not have, so the client is misconfigured (usually its `baseUrl`), which says
 * nothing about any contact. Deliberately not a `NotFoundError`, which callers may treat as
 * "absent".
 */
export class RouteNotFoundError extends ApiError {
  override readonly name: string = "RouteNotFoundError";
  constructor(status: number, body: unknown, headers: Headers, statusText = "") {
    super(status, body, headers, statusText);
    this.message = `${this.message} (no such route on the server: is the client's baseUrl the server's root URL?)`;
  }
}
/**
 * 409: the `external_id` is taken (`code` `external_id_conflict`, `existingId` names the contact
 * that has it), or a request with the same Idempotency-Key is still running.
 */
export class ConflictError extends ApiError {
  override readonly name: string = "ConflictError";
  /** On `external_id_conflict`, the `_id` of the contact that already has the `external_id`. */
  readonly existingId: string | undefined = errorBodyOf(this.body)?.existing_id;
}
/** 412: `ifMatch` did not list the contact's current ETag; nothing changed. */
export class PreconditionFailedError extends ApiError {
  override readonly name: string = "PreconditionFailedError";
}
/** 413: the request body is too large. */
export class PayloadTooLargeError extends ApiError {
  override readonly name: string = "PayloadTooLargeError";
}
/** 415: the request body is not JSON. */
export class UnsupportedMediaTypeError extends ApiError {
  override readonly name: string = "UnsupportedMediaTypeError";
}
/** 422: the `idempotencyKey` was already used for a different request. */
export class UnprocessableEntityError extends ApiError {
  override readonly name: string = "UnprocessableEntityError";
}
/** 429: too many requests; still failing after the client's retries. */
export class RateLimitError extends ApiError {
  override readonly name: string = "RateLimitError";
  /** How long the server asked to wait (`retry-after-ms` or `Retry-After`), if it said. */
  readonly retryAfterMs: number | undefined = retryAfterMs(this.headers, Date.now());
}
/** 5xx: the server failed; still failing after the client's retries. */
export class InternalServerError extends ApiError {
  override readonly name: string = "InternalServerError";
}
/**
 * 503 `service_unavailable`: the server's database was unavailable or did not answer in time,
 * and the request was not carried out (unless the connection broke while a write committed);
 * still failing after the client's retries. An `InternalServerError`, so code
 * that catches those catches this one too.
 */
export class ServiceUnavailableError extends InternalServerError {
  override readonly name: string = "ServiceUnavailableError";
  /** How long the server asked to wait (`retry-after-ms` or `Retry-After`), if it said. */
  readonly retryAfterMs: number | undefined = retryAfterMs(this.headers, Date.now());
}

/** No response: the connection failed, or broke before the response was read. */
export class ConnectionError extends ContactsError {
  override readonly name: string = "ConnectionError";
  constructor(message = "Connection error", options?: { cause?: unknown }) {
    super(message, options);
  }
}
/** No response within `timeoutMs`. */
export class TimeoutError extends ConnectionError {
  override readonly name: string = "TimeoutError";
  constructor(timeoutMs: number, options?: { cause?: unknown }) {
    super(`Request timed out after ${timeoutMs} ms`, options);
  }
}
/** The caller's `signal` aborted the request. */
export class AbortError extends ContactsError {
  override readonly name: string = "AbortError";
  constructor(options?: { cause?: unknown }) {
    super("Request was aborted", options);
  }
}

const ERROR_BY_STATUS: Record<number, typeof ApiError> = {
  400: BadRequestError,
  401: AuthenticationError,
  409: ConflictError,
  412: PreconditionFailedError,
  413: PayloadTooLargeError,
  415: UnsupportedMediaTypeError,
  422: UnprocessableEntityError,
  429: RateLimitError,
  503: ServiceUnavailableError,
};

/** The error for an error response, as the subclass of its status. */
export function apiErrorOf(response: Response, body: unknown): ApiError {
  const ErrorClass =
    response.status === 404
      ? errorBodyOf(body)?.code === "not_found"
        ? NotFoundError
        : RouteNotFoundError
      : (ERROR_BY_STATUS[response.status] ??
        (response.status >= 500 ? InternalServerError : ApiError));
  return new ErrorClass(response.status, body, response.headers, response.statusText);
}

/** The fields of the API's error shape that `body` has with the right types. */
function errorBodyOf(body: unknown): Partial<ApiErrorBody> | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const record = body as Record<string, unknown>;
  const text = (key: string) => (typeof record[key] === "string" ? record[key] : undefined);
  const fields: Partial<ApiErrorBody> = {};
  const error = text("error");
  const message = text("message");
  const code = text("code");
  const requestId = text("request_id");
  const existingId = text("existing_id");
  if (error !== undefined) fields.error = error;
  if (message !== undefined) fields.message = message;
  if (code !== undefined) fields.code = code as ErrorCode;
  if (requestId !== undefined) fields.request_id = requestId;
  if (existingId !== undefined) fields.existing_id = existingId;
  if (Array.isArray(record.details)) fields.details = record.details as ErrorDetail[];
  return fields;
}
