/** What every resource makes of a response: results, bodies, ETags, per-call headers. */
import type { ApiResult } from "./api-promise.js";
import { ApiError } from "./errors.js";
import type { RequestOptions } from "./request.js";
import type { ETag } from "./types.js";

/** A body with its response and request id. */
export function resultOf<T>(data: T, response: Response): ApiResult<T> {
  return { data, response, requestId: response.headers.get("request-id") ?? undefined };
}

/** The body of a successful response, which the spec says is there. */
export function bodyOf<T>(data: T | undefined, response: Response): T {
  if (data === undefined) {
    throw new ApiError(response.status, undefined, response.headers, "response has no body");
  }
  return data;
}

// A missing ETag (a server outside the spec) reads as "", which matches no contact: an update
// guarded by it fails with 412 rather than applying unguarded.
export function etagOf(response: Response): ETag {
  return response.headers.get("etag") ?? "";
}

/** The per-call headers, as openapi-fetch takes them. */
export function headersOf(options: RequestOptions): { headers?: Record<string, string> } {
  return options.headers ? { headers: options.headers } : {};
}
