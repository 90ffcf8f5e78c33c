import type { RequestHandler } from "express";
import type { ApiKeyStore } from "../auth/api-keys.js";
import { ApiError } from "./api-error.js";

/**
 * Requires `Authorization: Bearer <api key>` and records the key's workspace for the handlers.
 * The key itself is never logged nor echoed back.
 */
export function requireApiKey(keys: ApiKeyStore): RequestHandler {
  return async (req, res, next) => {
    const match = /^Bearer +(\S+) *$/i.exec(req.get("authorization") ?? "");
    const principal = match?.[1] ? await keys.authenticate(match[1]) : undefined;
    if (!principal) {
      const challenge = match ? 'Bearer error="invalid_token"' : "Bearer";
      throw new ApiError(401, "unauthorized", "Missing or invalid API key", {
        headers: { "WWW-Authenticate": challenge },
      });
    }
    res.locals.principal = principal;
    next();
  };
}
