import type { Principal } from "../auth/api-keys.js";
import type { IdempotencyClaim } from "../idempotency/idempotency-middleware.js";
import type { RouteMatch } from "./route-match.js";

// What the middleware chain records about a request, for the handlers and the error renderer.
declare global {
  namespace Express {
    interface Locals {
      requestId: string;
      /** The spec route and operation the request is for; absent outside the spec's paths. */
      route?: RouteMatch;
      /** Set by the auth middleware once the API key checks out. */
      principal?: Principal;
      /** Set by the auth middleware when the key was missing or invalid (its log is sampled). */
      authFailed?: boolean;
      /** The JSON text the response ended with (set by endWithJson), kept for idempotent replays. */
      sentJson?: string;
      /** Set by the idempotency middleware when the request claimed an Idempotency-Key. */
      idempotency?: IdempotencyClaim;
    }
  }
}
