import type { Request, RequestHandler } from "express";
import type { Logger } from "../logger.js";
import type { Metrics } from "../observability/metrics.js";

/** The operationId express-openapi-validator matched, if the request got that far. */
function operationOf(req: Request): string {
  const matched = (req as { openapi?: { schema?: { operationId?: string } } }).openapi;
  return matched?.schema?.operationId ?? "(none)";
}

/**
 * One log line and one metrics sample per finished request: no bodies, no keys, no emails, no
 * concrete paths (ids in paths may be customer data).
 */
export function observeRequests(logger: Logger, metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const operation = operationOf(req);
      metrics.observeRequest(operation, res.statusCode, seconds);
      logger.info("request", {
        request_id: res.locals.requestId,
        method: req.method,
        route: req.route?.path ?? "(no route)",
        operation,
        status: res.statusCode,
        ms: Math.round(seconds * 1e6) / 1e3,
        workspace_id: res.locals.principal?.workspaceId,
      });
    });
    next();
  };
}
