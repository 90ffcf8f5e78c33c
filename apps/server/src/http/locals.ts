import type { Principal } from "../auth/api-keys.js";
import type { IdempotencyClaim } from "../idempotency/idempotency-middleware.js";

// What the middleware chain records about a request, for the handlers and the error renderer.
declare global {
  namespace Express {
    interface Locals {
      requestId: string;
      /** Set by the auth middleware once the API key checks out. */
      principal?: Principal;
      /** The JSON text the response ended with (set by endWithJson), kept for idempotent replays. */
      sentJson?: string;
      /** Set by the idempotency middleware when the request claimed an Idempotency-Key. */
      idempotency?: IdempotencyClaim;
    }
  }
}
