import type { RequestHandler } from "express";
import type { Logger } from "../logger.js";

/** One log line per finished request: no bodies, no keys, no emails, no concrete paths. */
export function logRequests(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      logger.info("request", {
        request_id: res.locals.requestId,
        method: req.method,
        // The template, never the concrete path: ids in paths may be customer data.
        route: req.route?.path ?? "(no route)",
        status: res.statusCode,
        ms: Number(process.hrtime.bigint() - started) / 1e6,
        workspace_id: res.locals.principal?.workspaceId,
      });
    });
    next();
  };
}
