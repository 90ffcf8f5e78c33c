import type { ApiErrorBody } from "@contacts/api-types";
import type { ErrorRequestHandler, RequestHandler } from "express";
import { errorFields, type Logger } from "../logger.js";
import { ApiError, toApiError } from "./api-error.js";
import { endWithJson } from "./json-response.js";

/** The one place errors become responses, in the spec's `Error` shape. */
export function errorRenderer(logger: Logger): ErrorRequestHandler {
  return (error, req, res, next) => {
    const requestId = res.locals.requestId;
    let apiError = toApiError(error);
    if (!apiError) {
      // Unexpected: log once, with the stack; answer without internals.
      logger.error("unexpected error", {
        request_id: requestId,
        method: req.method,
        route: req.route?.path ?? "(no route)",
        ...errorFields(error),
      });
      apiError = new ApiError(500, "internal_error", "Internal server error");
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
    // Written directly, past the response validator's res.json hook: rendering an error must
    // never fail (the tests check every error body against the spec on their own).
    res.status(apiError.status).setHeader("Content-Type", "application/json; charset=utf-8");
    endWithJson(res, JSON.stringify(body));
  };
}

/** Requests no route took (outside the spec: the validator answers inside it). */
export const routeNotFound: RequestHandler = (req) => {
  throw new ApiError(404, "not_found", `No route for ${req.method} ${req.path}`);
};
