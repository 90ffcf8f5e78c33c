import type { ErrorCode } from "@contacts/api-types";
import { HttpError } from "express-openapi-validator/dist/framework/types.js";
import {
  ContactNotFoundError,
  ContactValidationError,
  CursorNotFoundError,
  ExternalIdConflictError,
  type FieldProblem,
  PreconditionFailedError,
} from "../contacts/contact-errors.js";
import { isImmutableField } from "../contacts/contact-rules.js";

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
      headers?: Record<string, string>;
    } = {},
  ) {
    super(message);
  }
}

/** Enough to fix a request; the rest only makes a huge body. */
const MAX_DETAILS = 20;

/**
 * Decides how a thrown error is shown to the client: domain errors, body-parser errors and
 * express-openapi-validator errors all become an ApiError. Undefined means "unexpected": the
 * caller logs it with its stack and answers 500.
 */
export function toApiError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof ContactValidationError) return invalid(error.problems);
  if (error instanceof ContactNotFoundError) return new ApiError(404, "not_found", error.message);
  if (error instanceof ExternalIdConflictError) {
    return new ApiError(409, "external_id_conflict", error.message, {
      existingId: error.existingId,
    });
  }
  if (error instanceof PreconditionFailedError) {
    return new ApiError(412, "precondition_failed", error.message);
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
  if (isBodyParserError(error)) return fromBodyParserError(error);
  return undefined;
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
      return new ApiError(404, "not_found", "No such route");
    case 405:
      return new ApiError(405, "method_not_allowed", error.message, {
        headers: error.headers?.Allow ? { Allow: error.headers.Allow } : {},
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

interface BodyParserError {
  status: number;
  type: string;
  message: string;
  /** The size limit, on entity.too.large. */
  limit?: number;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return (
    typeof error === "object" &&
    error !== null &&
    typeof (error as BodyParserError).type === "string" &&
    typeof (error as BodyParserError).status === "number"
  );
}

function fromBodyParserError(error: BodyParserError): ApiError | undefined {
  switch (error.type) {
    case "entity.verify.failed":
      return new ApiError(400, "malformed_json", "Request body is not valid UTF-8");
    case "entity.parse.failed":
      return new ApiError(
        400,
        "malformed_json",
        `Request body is not valid JSON: ${error.message}`,
      );
    case "entity.too.large":
      return payloadTooLarge(error.limit);
    case "encoding.unsupported":
    case "charset.unsupported":
      return unsupportedMediaType();
    default:
      return error.status >= 400 && error.status < 500
        ? new ApiError(400, "malformed_json", `Request body could not be read: ${error.message}`)
        : undefined;
  }
}

export function payloadTooLarge(limitBytes?: number): ApiError {
  const limit = limitBytes ? ` (${limitBytes / 1024} KiB)` : "";
  return new ApiError(413, "payload_too_large", `Request body is larger than the limit${limit}`);
}

export function unsupportedMediaType(): ApiError {
  return new ApiError(
    415,
    "unsupported_media_type",
    "Request body must be application/json (UTF-8)",
  );
}
