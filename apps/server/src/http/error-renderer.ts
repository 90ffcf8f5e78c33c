import type { IncomingMessage } from "node:http";
import type { ApiErrorBody } from "@contacts/api-types";
import type { ErrorRequestHandler, RequestHandler } from "express";
import { errorFields, type Logger } from "../logger.js";
import { ApiError, toApiError } from "./api-error.js";
import { endWithJson } from "./json-response.js";
import { lingerOnClose } from "./lingering-close.js";

/** The one place errors become responses, in the spec's `Error` shape. */
export function errorRenderer(logger: Logger): ErrorRequestHandler {
  return (error, req, res, next) => {
    const requestId = res.locals.requestId;
    const where = {
      request_id: requestId,
      method: req.method,
      route: res.locals.route?.route ?? req.route?.path ?? "(no route)",
      operation: res.locals.route?.operationId ?? "(none)",
    };
    let apiError = toApiError(error);
    if (!apiError) {
      // Unexpected: log once, with the stack; answer without internals.
      logger.error("unexpected error", { ...where, ...errorFields(error) });
      apiError = new ApiError(500, "internal_error", "Internal server error");
    } else if (apiError.code === "service_unavailable") {
      // Not the client's doing: the operator must hear that the database is failing requests.
      logger.warn("database unavailable", { ...where, ...errorFields(error) });
    } else if (apiError.extras.details) {
      // Which fields failed, for whoever debugs a client: their paths only, never the values.
      logger.debug("request refused", {
        ...where,
        code: apiError.code,
        fields: apiError.extras.details.map((detail) => detail.path),
      });
    }
    if (res.headersSent) return next(error);
    const body: ApiErrorBody = {
      error: apiError.message,
      code: apiError.code,
      message: apiError.message,
      request_id: requestId,
    };
    if (apiError.extras.details) body.details = apiError.extras.details;
    if (apiError.extras.existingId) body.existing_id = apiError.extras.existingId;
    if (apiError.extras.eventIndex !== undefined) body.event_index = apiError.extras.eventIndex;
    if (apiError.extras.headers) res.set(apiError.extras.headers);
    if (mustClose(req, apiError.status)) {
      res.setHeader("Connection", "close");
      // The response's socket: a request read to its end may have let go of its own.
      const socket = res.socket ?? req.socket;
      if (socket) lingerOnClose(socket);
    }
    // Written directly, past the response validator's res.json hook: rendering an error must
    // never fail (the tests check every error body against the spec on their own).
    res.status(apiError.status).setHeader("Content-Type", "application/json; charset=utf-8");
    endWithJson(res, JSON.stringify(body));
  };
}

/** Answers that refuse a request before its body is read (or instead of reading it). */
const REFUSALS = new Set([401, 413, 415, 429]);

/**
 * Whether the connection closes after this error: always after a refusal, and whenever the body
 * was not read to its end. Kept open, node:http would read (and discard) all the rest of the body
 * to reach the next request: a refused client could make the server read without limit. Closed,
 * the rest is never read.
 */
function mustClose(req: IncomingMessage, status: number): boolean {
  if (REFUSALS.has(status)) return true;
  const declaresBody =
    req.headers["transfer-encoding"] !== undefined ||
    Number(req.headers["content-length"] ?? 0) > 0;
  return declaresBody && !req.readableEnded;
}

/**
 * A path outside the spec: `route_not_found`, never `not_found`, which means "no such contact"
 * and which a client may turn into "absent" (a misrouted client must not read as a missing one).
 */
export function routeNotFoundError(method: string, path: string): ApiError {
  return new ApiError(404, "route_not_found", `No route for ${method} ${path}`);
}

/** Requests no route took. */
export const routeNotFound: RequestHandler = (req) => {
  throw routeNotFoundError(req.method, req.path);
};

/**
 * Refuses a path that is not one of the spec's: after auth and the rate limit (so unknown paths
 * cost what known ones do), before any body is read or the validator runs.
 */
export const requireKnownRoute: RequestHandler = (req, res, next) => {
  next(res.locals.route ? undefined : routeNotFoundError(req.method, req.path));
};
