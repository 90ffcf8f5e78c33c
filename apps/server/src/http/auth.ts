import type { RequestHandler } from "express";
import type { ApiKeyStore } from "../auth/api-keys.js";
import { ApiError } from "./api-error.js";
import type { FailedAuthLimit } from "./failed-auth-limit.js";

/**
 * Requires `Authorization: Bearer <api key>` and records the key's workspace for the handlers.
 * The key itself is never logged nor echoed back. A missing or invalid key is a 401, or a 429
 * once its client address has failed too often (`failures`); the key is checked first, so a
 * valid key is never refused for what others sent from its address.
 */
export function requireApiKey(keys: ApiKeyStore, failures?: FailedAuthLimit): RequestHandler {
  return async (req, res, next) => {
    const match = /^Bearer +(\S+) *$/i.exec(req.get("authorization") ?? "");
    const principal = match?.[1] ? await keys.authenticate(match[1]) : undefined;
    if (!principal) {
      res.locals.authFailed = true;
      const challenge = match ? 'Bearer error="invalid_token"' : "Bearer";
      throw (
        (await failures?.refusal(req)) ??
        new ApiError(401, "unauthorized", "Missing or invalid API key", {
          headers: { "WWW-Authenticate": challenge },
        })
      );
    }
    res.locals.principal = principal;
    next();
  };
}
