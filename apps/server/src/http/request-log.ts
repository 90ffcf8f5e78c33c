import type { RequestHandler } from "express";
import type { Logger } from "../logger.js";
import type { Metrics } from "../observability/metrics.js";
import type { RouteMatcher } from "./route-match.js";

/**
 * One log line and one metrics sample per finished request: no bodies, no keys, no emails, no
 * concrete paths (ids in paths may be customer data). The spec route and operationId are matched
 * here, before anything can refuse the request, so refused requests (auth, rate limit,
 * validation, idempotency) are logged with them too.
 */
export function observeRequests(
  logger: Logger,
  metrics: Metrics,
  matchRoute: RouteMatcher,
): RequestHandler {
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
      logger.info("request", {
        request_id: res.locals.requestId,
        method,
        route: match?.route ?? req.route?.path ?? "(no route)",
        operation,
        status: res.statusCode,
        ms: Math.round(seconds * 1e6) / 1e3,
        workspace_id: res.locals.principal?.workspaceId,
      });
    });
    next();
  };
}
