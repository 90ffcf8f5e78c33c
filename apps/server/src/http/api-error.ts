import type { ErrorCode } from "@contacts/api-types";
import { HttpError } from "express-openapi-validator/dist/framework/types.js";
import {
  ContactNotFoundError,
  ContactValidationError,
  CursorNotFoundError,
  ExternalIdConflictError,
  type FieldProblem,
  ListQueueFullError,
  PreconditionFailedError,
  QueryTooBroadError,
} from "../contacts/contact-errors.js";
import { isImmutableField } from "../contacts/contact-rules.js";
import { isStoreUnavailable } from "../store/store-unavailable.js";
import { UnknownContactError, UsageValidationError } from "../usage/usage-errors.js";

/** An error with its HTTP rendering decided: status, stable code, message and extras. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly extras: {
      details?: FieldProblem[];
      existingId?: string;
      eventIndex?: number;
      headers?: Record<string, string>;
    } = {},
  ) {
    super(message);
  }
}

/** Enough to fix a request; the rest only makes a huge body. */
const MAX_DETAILS = 20;

/**
 * Decides how a thrown error is shown to the client: domain errors, express-openapi-validator
 * errors and a database that did not answer in time become an ApiError. Undefined means
 * "unexpected": the
 * caller logs it with its stack and answers 500.
 */
export function toApiError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof ContactValidationError) return invalid(error.problems);
  if (error instanceof UsageValidationError) return invalid(error.problems);
  if (error instanceof UnknownContactError) {
    return new ApiError(422, "unknown_contact", error.message, {
      details: [
        { path: `/body/events/${error.eventIndex}/contact`, message: "no contact has this _id" },
      ],
      eventIndex: error.eventIndex,
    });
  }
  if (error instanceof ContactNotFoundError) return new ApiError(404, "not_found", error.message);
  if (error instanceof ExternalIdConflictError) {
    return new ApiError(409, "external_id_conflict", error.message, {
      existingId: error.existingId,
    });
  }
  if (error instanceof PreconditionFailedError) {
    return new ApiError(412, "precondition_failed", error.message);
  }
  if (error instanceof QueryTooBroadError) {
    return new ApiError(422, "query_too_broad", error.message, {
      details: [
        { path: "/query/search", message: "narrow the search" },
        { path: "/query/tags", message: "or filter by a rarer tag" },
      ],
    });
  }
  if (error instanceof ListQueueFullError) {
    // Its own policy: the limit that refused this request is the workspace's queue, not the key's.
    return new ApiError(429, "rate_limited", error.message, {
      headers: {
        "Retry-After": "1",
        "RateLimit-Policy": `"filtered-lists";q=${error.limit};w=1`,
        RateLimit: '"filtered-lists";r=0;t=1',
      },
    });
  }
  if (error instanceof CursorNotFoundError) {
    const parameter = error.parameter === "startingAfter" ? "starting_after" : "ending_before";
    return invalid([
      {
        path: `/query/${parameter}`,
        message: "names no contact of this workspace (a sorted list needs an existing cursor)",
      },
    ]);
  }
  if (error instanceof HttpError) return fromValidatorError(error);
  if (isStoreUnavailable(error)) return serviceUnavailable();
  return undefined;
}

/** Seconds a client waits before retrying a request the database did not answer in time. */
export const UNAVAILABLE_RETRY_AFTER_S = 2;

/**
 * A 503: the database is unreachable, busy or rolled the work back (store-unavailable.ts); the
 * request was not carried out, unless the connection broke while a write committed.
 */
export function serviceUnavailable(): ApiError {
  const message = `The database is unavailable or did not answer in time; retry in ${UNAVAILABLE_RETRY_AFTER_S} s`;
  return new ApiError(503, "service_unavailable", message, {
    headers: { "Retry-After": String(UNAVAILABLE_RETRY_AFTER_S) },
  });
}

/** A 400 naming each failing field. */
export function invalid(problems: FieldProblem[]): ApiError {
  const shown = problems.slice(0, MAX_DETAILS);
  const immutable = shown.some((p) => p.code === "immutable_field");
  const summary = shown.map((p) => `${p.path} ${p.message}`).join("; ");
  return new ApiError(
    400,
    immutable ? "immutable_field" : "validation_failed",
    `Invalid request: ${summary}`,
    { details: shown.map(({ path, message }) => ({ path, message })) },
  );
}

function fromValidatorError(error: HttpError): ApiError | undefined {
  switch (error.status) {
    case 400:
      return invalid(error.errors.map(validatorProblem));
    case 404:
      // Unknown /v2 paths are refused before the validator; this is a fallback.
      return new ApiError(404, "route_not_found", `No route for ${error.path ?? "this path"}`);
    case 405:
      return new ApiError(405, "method_not_allowed", error.message, {
        headers: error.headers?.Allow ? { Allow: withHead(error.headers.Allow) } : {},
      });
    case 413:
      return payloadTooLarge();
    case 415:
      return unsupportedMediaType();
    default:
      // 500s here are response-validation failures: a server bug, logged as unexpected.
      return undefined;
  }
}

/** The validator's `Allow` lists the spec's methods; HEAD is served wherever GET is. */
function withHead(allow: string): string {
  const methods = allow.split(/,\s*/).map((method) => method.toUpperCase());
  if (methods.includes("GET") && !methods.includes("HEAD"))
    methods.splice(methods.indexOf("GET") + 1, 0, "HEAD");
  return methods.join(", ");
}

/**
 * Validator items carry paths like `/body/email` and Ajv messages; an unknown property's name is
 * only in the message, so it is moved into the path (`/body/external_id`).
 */
function validatorProblem(item: { path: string; message: string }): FieldProblem {
  const extra = /^must NOT have additional properties(?:: (.+))?$/.exec(item.message);
  if (extra) {
    // The validator appends the raw name to the path; in this spec only a body's top level is
    // closed (additionalProperties: false), so everything after /body/ is the name.
    const name = extra[1] ?? item.path.replace(/^\/body\/?/, "").replace(/^\//, "");
    const path = `/body/${pointerSegment(name)}`;
    return isImmutableField(name)
      ? { path, message: "cannot be changed", code: "immutable_field" }
      : { path, message: "is not a known field" };
  }
  if (/malformed uri/i.test(item.message)) {
    return { path: "/path", message: "is not a valid percent-encoded URI" };
  }
  const unknownQuery = /^Unknown query parameter '(.+)'$/.exec(item.message);
  if (unknownQuery) {
    return {
      path: `/query/${pointerSegment(unknownQuery[1] ?? "")}`,
      message: "is not a known parameter",
    };
  }
  // Path parameters come back as /params/<name>; the API calls that part of a request /path.
  return { path: item.path.replace(/^\/params\//, "/path/"), message: item.message };
}

/** A name as one JSON pointer segment (RFC 6901): `~` → `~0`, `/` → `~1`. */
export function pointerSegment(name: string): string {
  return name.replaceAll("~", "~0").replaceAll("/", "~1");
}

export function payloadTooLarge(limitBytes?: number): ApiError {
  const limit = limitBytes ? ` (${limitBytes / 1024} KiB)` : "";
  return new ApiError(413, "payload_too_large", `Request body is larger than the limit${limit}`);
}

export function unsupportedMediaType(): ApiError {
  return new ApiError(
    415,
    "unsupported_media_type",
    "Request body must be JSON in UTF-8: application/json (or, for an update, application/merge-patch+json)",
  );
}
