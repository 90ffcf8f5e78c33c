import type { RequestHandler } from "express";
import type { Logger } from "../logger.js";
import { LogSampler } from "../observability/log-sampler.js";
import type { Metrics } from "../observability/metrics.js";
import type { RouteMatcher } from "./route-match.js";

/** Requests with a missing or invalid key logged per window; a summary line says how many more. */
export const FAILED_AUTH_LOG_LINES = 10;
export const FAILED_AUTH_LOG_WINDOW_MS = 10_000;

/**
 * One log line and one metrics sample per finished request: no bodies, no keys, no emails, no
 * concrete paths (ids in paths may be customer data). The spec route and operationId are matched
 * here, before anything can refuse the request, so refused requests (auth, rate limit,
 * validation, idempotency) are logged with them too. Requests whose key was missing or invalid
 * are logged at a sampled rate, so that a flood of them cannot flood the logs.
 */
export function observeRequests(
  logger: Logger,
  metrics: Metrics,
  matchRoute: RouteMatcher,
  now: () => number = Date.now,
): RequestHandler {
  const failedAuth = new LogSampler(logger, {
    perWindow: FAILED_AUTH_LOG_LINES,
    windowMs: FAILED_AUTH_LOG_WINDOW_MS,
    now,
    summary: "more requests with a missing or invalid API key",
  });
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    // Read now: a HEAD is served as a GET further on.
    const method = req.method;
    const match = matchRoute(method, req.path);
    if (match) res.locals.route = match;
    res.on("finish", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const operation = match?.operationId ?? "(none)";
      metrics.observeRequest(operation, res.statusCode, seconds);
      const line = () =>
        logger.info("request", {
          request_id: res.locals.requestId,
          method,
          route: match?.route ?? req.route?.path ?? "(no route)",
          operation,
          status: res.statusCode,
          ms: Math.round(seconds * 1e6) / 1e3,
          workspace_id: res.locals.principal?.workspaceId,
        });
      if (res.locals.authFailed) failedAuth.log(line);
      else line();
    });
    next();
  };
}
