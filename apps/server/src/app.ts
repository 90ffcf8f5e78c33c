import express, { type Express } from "express";
import type { ApiKeyStore } from "./auth/api-keys.js";
import { contactHandlers } from "./contacts/contact-handlers.js";
import type { ContactStore } from "./contacts/contact-store.js";
import { requireApiKey } from "./http/auth.js";
import { errorRenderer, routeNotFound } from "./http/error-renderer.js";
import { idempotency } from "./http/idempotency.js";
import { jsonBody } from "./http/json-body.js";
import type { IdempotencyStore } from "./idempotency/idempotency-store.js";
import "./http/locals.js";
import { openApiValidator } from "./http/openapi-validator.js";
import { mountOperations } from "./http/operations.js";
import { requestId } from "./http/request-id.js";
import { logRequests } from "./http/request-log.js";
import type { IdGenerator } from "./ids.js";
import type { Logger } from "./logger.js";
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
  config: { validateResponses: boolean; bodyLimitBytes: number };
}

/**
 * Builds the HTTP app. Middleware order: request id → public routes → body parser → auth →
 * spec validator → idempotency keys → handlers → one error renderer.
 */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  // The spec's paths are exact: /V2/CONTACTS and /v2/contacts/ are not routes.
  app.set("case sensitive routing", true);
  app.set("strict routing", true);
  // ETags of whole JSON bodies cost a hash per response and mean nothing for a JSON API yet.
  app.set("etag", false);

  app.use(requestId(() => deps.ids.requestId(deps.now())));
  app.use(logRequests(deps.logger));

  app.get("/openapi.yaml", (_req, res) => {
    res.type("application/yaml").send(deps.spec.yamlText);
  });
  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  app.use(jsonBody(deps.config.bodyLimitBytes));
  app.use(requireApiKey(deps.apiKeys));
  app.use(openApiValidator(deps.spec.document, deps.config.validateResponses));
  app.use(idempotency(deps.idempotency, deps.now));

  const router = express.Router({ caseSensitive: true, strict: true });
  mountOperations(
    router,
    deps.spec.document,
    contactHandlers({ store: deps.contacts, ids: deps.ids, now: deps.now }),
  );
  app.use(router);

  app.use(routeNotFound);
  app.use(errorRenderer(deps.logger));
  return app;
}
