import express, { type Express, type Request } from "express";
import type { ApiKeyStore } from "./auth/api-keys.js";
import { ImportLineChecker } from "./bulk/import-line-checker.js";
import { IMPORT_BODY_LIMIT_BYTES, USAGE_BODY_LIMIT_BYTES } from "./config.js";
import { contactImporter } from "./contacts/contact-import.js";
import { contactService } from "./contacts/contact-service.js";
import type { ContactStore } from "./contacts/contact-store.js";
import { requireApiKey } from "./http/auth.js";
import { bulkAdapter } from "./http/bulk-adapter.js";
import { trustedProxies } from "./http/client-address.js";
import { consoleRoutes } from "./http/console-routes.js";
import { contactsAdapter } from "./http/contacts-adapter.js";
import { cors } from "./http/cors.js";
import { docsRoutes } from "./http/docs-routes.js";
import { errorRenderer, requireKnownRoute, routeNotFound } from "./http/error-renderer.js";
import { failedAuthLimit } from "./http/failed-auth-limit.js";
import { headAsGet } from "./http/head-as-get.js";
import { identitiesAdapter } from "./http/identities-adapter.js";
import { jsonBody } from "./http/json-body.js";
import { writeJsonInOneGo } from "./http/json-response.js";
import { ndjsonBody } from "./http/ndjson-body.js";
import { usageHandlers } from "./http/usage-handlers.js";
import "./http/locals.js";
import { openApiValidator } from "./http/openapi-validator.js";
import { mountOperations } from "./http/operations.js";
import { operatorRoutes, type Readiness } from "./http/operator-routes.js";
import { type RateLimitConfig, rateLimit } from "./http/rate-limit.js";
import { requestId } from "./http/request-id.js";
import { observeRequests } from "./http/request-log.js";
import { routeMatcher } from "./http/route-match.js";
import { securityHeaders } from "./http/security-headers.js";
import { series } from "./http/series.js";
import { strictQueryString } from "./http/strict-query.js";
import { idempotency } from "./idempotency/idempotency-middleware.js";
import type { IdempotencyStore } from "./idempotency/idempotency-store.js";
import type { IdGenerator } from "./ids.js";
import type { Logger } from "./logger.js";
import { createMetrics, type Metrics, withStoreTiming } from "./observability/metrics.js";
import {
  localBucketStores,
  type SharedRateLimits,
  sharedBucketStores,
} from "./rate-limits/bucket-store.js";
import type { TokenBucketConfig } from "./rate-limits/token-buckets.js";
import type { LoadedSpec } from "./spec.js";
import { DEFAULT_RETENTION_DAYS } from "./usage/usage-rules.js";
import { usageService } from "./usage/usage-service.js";
import type { UsageStore } from "./usage/usage-store.js";

/** Everything the app needs from outside; tests build their own. */
export interface AppDeps {
  contacts: ContactStore;
  usage: UsageStore;
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
  /**
   * Redis shared by every replica for the rate limits (REDIS_URL); without it each process
   * keeps its own buckets.
   */
  sharedRateLimits?: SharedRateLimits;
  config: {
    validateResponses: boolean;
    bodyLimitBytes: number;
    rateLimit: RateLimitConfig;
    /** Origins whose pages may call the API (CORS); none by default. */
    corsOrigins?: readonly string[];
    /** Failed authentications per client address; no limit when absent. */
    authFailureLimit?: TokenBucketConfig;
    /** Proxies whose X-Forwarded-For names the client (TRUST_PROXY); none by default. */
    trustProxy?: readonly string[];
    /** Body limit of POST /v2/usage (a full batch); USAGE_BODY_LIMIT_BYTES by default. */
    usageBodyLimitBytes?: number;
    /** Body limit of POST /v2/contacts/import; IMPORT_BODY_LIMIT_BYTES by default. */
    importBodyLimitBytes?: number;
    /** Days of usage kept (USAGE_RETENTION_DAYS); 400 by default. */
    usageRetentionDays?: number;
  };
}

/**
 * Builds the HTTP app. Middleware order: request id → request log and metrics → security
 * headers → CORS (answers preflights) → operator, docs and console routes (no key) → auth (failed
 * attempts limited per address) → rate limit → known route → body reader → spec validator →
 * idempotency keys → handlers → one error renderer. Auth and the rate limit come before the body
 * reader so that unauthenticated or throttled clients cannot make the server read bodies (the
 * error renderer closes their connections).
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
  const usage = usageService({
    store: withStoreTiming(deps.usage, "usage", metrics),
    contacts,
    ids: deps.ids,
    now: deps.now,
    retentionDays: deps.config.usageRetentionDays ?? DEFAULT_RETENTION_DAYS,
  });
  // A usage batch of 1000 events needs more room than a contact; each route gets its own limit,
  // checked from Content-Length before the body is read as for every other route.
  const contactBody = jsonBody(deps.config.bodyLimitBytes);
  const usageBody = jsonBody(deps.config.usageBodyLimitBytes ?? USAGE_BODY_LIMIT_BYTES);
  // An import's JSON Lines are streamed by its handler, never held whole: 64 MiB by default.
  const importBodyLimit = deps.config.importBodyLimitBytes ?? IMPORT_BODY_LIMIT_BYTES;
  const importBody = ndjsonBody(importBodyLimit);
  const bodyOf = (req: Request) =>
    req.path === "/v2/usage"
      ? usageBody
      : req.path === "/v2/contacts/import" && req.method === "POST"
        ? importBody
        : contactBody;
  const buckets = deps.sharedRateLimits
    ? sharedBucketStores({
        shared: deps.sharedRateLimits,
        now: deps.now,
        logger: deps.logger,
        registry: metrics.registry,
      })
    : localBucketStores(deps.now);
  const rateLimiter = rateLimit(buckets("per-key", deps.config.rateLimit));

  // Each series is one router layer (see series.ts for why).
  const allowCrossOrigin = cors(deps.config.corsOrigins ?? []);
  app.use(
    series(
      requestId(() => deps.ids.requestId(deps.now())),
      observeRequests(deps.logger, metrics, routeMatcher(deps.spec.document), deps.now),
      securityHeaders,
      ...(allowCrossOrigin ? [allowCrossOrigin] : []),
    ),
  );
  // Operator and docs routes, which API requests (/v2/…) skip without walking their routers.
  const publicRoutes = express.Router({ caseSensitive: true, strict: true });
  publicRoutes.use(operatorRoutes({ spec: deps.spec, metrics, readiness: deps.readiness }));
  publicRoutes.use(docsRoutes());
  publicRoutes.use(consoleRoutes());
  app.use((req, res, next) =>
    req.path.startsWith("/v2/") ? next() : publicRoutes(req, res, next),
  );

  app.use(
    series(
      // Who is asking, and whether they may, before any body is read.
      requireApiKey(
        apiKeys,
        deps.config.authFailureLimit &&
          failedAuthLimit(
            buckets("failed-auth", deps.config.authFailureLimit),
            trustedProxies(deps.config.trustProxy ?? []),
          ),
      ),
      rateLimiter,
      requireKnownRoute,
      (req, res, next) => bodyOf(req)[0](req, res, next),
      (req, res, next) => bodyOf(req)[1](req, res, next),
      strictQueryString,
      headAsGet,
      ...openApiValidator(deps.spec.document, deps.config.validateResponses),
      idempotency(idempotencyKeys, deps.now),
    ),
  );

  const router = express.Router({ caseSensitive: true, strict: true });
  // One contact domain; one adapter per API surface over it.
  const service = contactService({ store: contacts, ids: deps.ids, now: deps.now });
  mountOperations(router, deps.spec.document, {
    ...contactsAdapter(service, usage),
    ...identitiesAdapter(service, usage),
    ...usageHandlers(usage),
    ...bulkAdapter({
      importer: contactImporter({ store: contacts, ids: deps.ids, now: deps.now }),
      checker: new ImportLineChecker(deps.spec.document),
      store: contacts,
      rateLimiter,
      bodyLimitBytes: importBodyLimit,
    }),
  });
  app.use(router);

  app.use(routeNotFound);
  app.use(errorRenderer(deps.logger));
  return app;
}
