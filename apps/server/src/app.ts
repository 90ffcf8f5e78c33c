import express, { type Express } from "express";
import type { ApiKeyStore } from "./auth/api-keys.js";
import { contactService } from "./contacts/contact-service.js";
import type { ContactStore } from "./contacts/contact-store.js";
import { requireApiKey } from "./http/auth.js";
import { contactsAdapter } from "./http/contacts-adapter.js";
import { docsRoutes } from "./http/docs-routes.js";
import { errorRenderer, routeNotFound } from "./http/error-renderer.js";
import { identitiesAdapter } from "./http/identities-adapter.js";
import { jsonBody } from "./http/json-body.js";
import { writeJsonInOneGo } from "./http/json-response.js";
import "./http/locals.js";
import { openApiValidator } from "./http/openapi-validator.js";
import { mountOperations } from "./http/operations.js";
import { operatorRoutes, type Readiness } from "./http/operator-routes.js";
import { type RateLimitConfig, rateLimit } from "./http/rate-limit.js";
import { requestId } from "./http/request-id.js";
import { observeRequests } from "./http/request-log.js";
import { securityHeaders } from "./http/security-headers.js";
import { series } from "./http/series.js";
import { strictQueryString } from "./http/strict-query.js";
import { idempotency } from "./idempotency/idempotency-middleware.js";
import type { IdempotencyStore } from "./idempotency/idempotency-store.js";
import type { IdGenerator } from "./ids.js";
import type { Logger } from "./logger.js";
import { createMetrics, type Metrics, withStoreTiming } from "./observability/metrics.js";
import type { LoadedSpec } from "./spec.js";

/** Everything the app needs from outside; tests build their own. */
export interface AppDeps {
  contacts: ContactStore;
  apiKeys: ApiKeyStore;
  idempotency: IdempotencyStore;
  ids: IdGenerator;
  /** Milliseconds since the epoch. */
  now: () => number;
  logger: Logger;
  spec: LoadedSpec;
  /** Whether the store can serve; /readyz reports it. */
  readiness: () => Promise<Readiness>;
  /** Prometheus metrics; a fresh registry without process metrics by default. */
  metrics?: Metrics;
  config: { validateResponses: boolean; bodyLimitBytes: number; rateLimit: RateLimitConfig };
}

/**
 * Builds the HTTP app. Middleware order: request id → request log and metrics → security
 * headers → operator routes (no key) → auth → rate limit → body parser → spec validator →
 * idempotency keys → handlers → one error renderer. Auth and the rate limit come before the body
 * parser so that unauthenticated or throttled clients cannot make the server read bodies.
 */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  // The spec's paths are exact: /V2/CONTACTS and /v2/contacts/ are not routes.
  app.set("case sensitive routing", true);
  app.set("strict routing", true);
  // ETags of whole JSON bodies cost a hash per response and mean nothing for a JSON API yet.
  app.set("etag", false);
  writeJsonInOneGo(app);

  const metrics = deps.metrics ?? createMetrics({ processMetrics: false });
  const contacts = withStoreTiming(deps.contacts, "contacts", metrics);
  const apiKeys = withStoreTiming(deps.apiKeys, "api_keys", metrics);
  const idempotencyKeys = withStoreTiming(deps.idempotency, "idempotency_keys", metrics);

  // Each series is one router layer (see series.ts for why).
  app.use(
    series(
      requestId(() => deps.ids.requestId(deps.now())),
      observeRequests(deps.logger, metrics),
      securityHeaders,
    ),
  );
  // Operator and docs routes, which API requests (/v2/…) skip without walking their routers.
  const publicRoutes = express.Router({ caseSensitive: true, strict: true });
  publicRoutes.use(operatorRoutes({ spec: deps.spec, metrics, readiness: deps.readiness }));
  publicRoutes.use(docsRoutes());
  app.use((req, res, next) =>
    req.path.startsWith("/v2/") ? next() : publicRoutes(req, res, next),
  );

  app.use(
    series(
      // Who is asking, and whether they may, before any body is read.
      requireApiKey(apiKeys),
      rateLimit(deps.config.rateLimit, deps.now),
      ...jsonBody(deps.config.bodyLimitBytes),
      strictQueryString,
      ...openApiValidator(deps.spec.document, deps.config.validateResponses),
      idempotency(idempotencyKeys, deps.now),
    ),
  );

  const router = express.Router({ caseSensitive: true, strict: true });
  // One contact domain; one adapter per API surface over it.
  const service = contactService({ store: contacts, ids: deps.ids, now: deps.now });
  mountOperations(router, deps.spec.document, {
    ...contactsAdapter(service),
    ...identitiesAdapter(service),
  });
  app.use(router);

  app.use(routeNotFound);
  app.use(errorRenderer(deps.logger));
  return app;
}
