import type { RequestHandler } from "express";
import { commaSeparated } from "./comma-separated.js";

/** Response headers a page on an allowed origin may read (the rest are hidden by browsers). */
export const CORS_EXPOSED_HEADERS = [
  "Request-Id",
  "ETag",
  "RateLimit",
  "RateLimit-Policy",
  "Retry-After",
  "Location",
  "Idempotent-Replayed",
];
/** What a preflight may ask for: the API's methods, and the request headers the API reads. */
export const CORS_ALLOWED_METHODS = ["GET", "HEAD", "POST", "PATCH", "DELETE"];
export const CORS_ALLOWED_HEADERS = [
  "Authorization",
  "Content-Type",
  "Idempotency-Key",
  "If-Match",
  "If-None-Match",
  "Request-Id",
  "X-Contacts-Client",
];
/** How long a browser may reuse a preflight's answer, in seconds. */
export const CORS_MAX_AGE_SECONDS = 600;

/**
 * Parses `CORS_ORIGINS`: comma-separated exact origins (`https://app.example.com`, no path).
 * Throws a readable error for anything else, `*` included: an origin list is what an operator
 * meant to allow, and a typo must not widen it or silently match nothing.
 */
export function parseCorsOrigins(value: string | undefined): string[] {
  const entries = commaSeparated(value);
  for (const entry of entries) {
    if (entry.includes("*")) {
      throw new Error(
        `CORS_ORIGINS must list exact origins, e.g. "https://app.example.com"; "${entry}" (a wildcard) is not allowed`,
      );
    }
    if (originOf(entry) !== entry) {
      throw new Error(
        `CORS_ORIGINS: "${entry}" is not an exact origin: write scheme://host[:port] in lower case with no path or trailing slash, e.g. "https://app.example.com"`,
      );
    }
  }
  return [...new Set(entries)];
}

function originOf(entry: string): string | undefined {
  try {
    const url = new URL(entry);
    return url.protocol === "http:" || url.protocol === "https:" ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CORS for the listed origins, off when the list is empty (no CORS headers at all). Preflights
 * from a listed origin are answered here, before auth (browsers send them without credentials);
 * every other response to a listed origin says it may read it, 401s and 429s included, so that a
 * page can show why a call failed. Requests from other origins are served as if CORS were off,
 * and the browser blocks the page from reading them.
 */
export function cors(origins: readonly string[]): RequestHandler | undefined {
  if (origins.length === 0) return undefined;
  const allowed = new Set(origins);
  const exposed = CORS_EXPOSED_HEADERS.join(", ");
  const preflight = {
    "Access-Control-Allow-Methods": CORS_ALLOWED_METHODS.join(", "),
    "Access-Control-Allow-Headers": CORS_ALLOWED_HEADERS.join(", "),
    "Access-Control-Max-Age": String(CORS_MAX_AGE_SECONDS),
  };
  return (req, res, next) => {
    // The answer depends on the Origin, whichever it is: caches must keep them apart.
    res.vary("Origin");
    const origin = req.get("origin");
    if (origin === undefined || !allowed.has(origin)) return next();
    res.set({
      "Access-Control-Allow-Origin": origin,
      // The security headers' same-origin policy is for other sites' embeds; this origin may read.
      "Cross-Origin-Resource-Policy": "cross-origin",
    });
    if (req.method === "OPTIONS" && req.get("access-control-request-method") !== undefined) {
      res.vary("Access-Control-Request-Method").vary("Access-Control-Request-Headers");
      res.set(preflight).status(204).end();
      return;
    }
    res.set("Access-Control-Expose-Headers", exposed);
    next();
  };
}
