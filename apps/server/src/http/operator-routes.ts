import { Router } from "express";
import type { Metrics } from "../observability/metrics.js";
import type { LoadedSpec } from "../spec.js";

export interface Readiness {
  ready: boolean;
  checks: Record<string, string>;
}

/**
 * Routes for operators and tools, without an API key and without contact data: liveness,
 * readiness, Prometheus metrics, and the spec itself.
 */
export function operatorRoutes(deps: {
  spec: LoadedSpec;
  metrics: Metrics;
  readiness: () => Promise<Readiness>;
}): Router {
  const router = Router({ caseSensitive: true, strict: true });
  const specJson = JSON.stringify(deps.spec.document);

  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    const readiness = await deps.readiness();
    res.status(readiness.ready ? 200 : 503).json({
      status: readiness.ready ? "ok" : "unavailable",
      checks: readiness.checks,
    });
  });
  router.get("/metrics", async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  router.get("/openapi.yaml", (_req, res) => {
    res.type("application/yaml").send(deps.spec.yamlText);
  });
  router.get("/openapi.json", (_req, res) => {
    res.type("application/json").send(specJson);
  });
  return router;
}
