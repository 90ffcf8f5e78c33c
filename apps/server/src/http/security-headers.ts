import type { RequestHandler } from "express";

/**
 * The security headers that mean something for a JSON API: nothing may be sniffed, framed,
 * cached or used as a script. /docs replaces the CSP and caching for its own assets.
 * HSTS belongs to the TLS terminator in front of the server.
 *
 * `no-store` on every API response, retrieve included: contacts are personal data, and no HTTP
 * cache (a browser's disk cache, a proxy) should keep a copy. `private, no-cache` would have let
 * a browser store the contact on disk; conditional requests do not need that, since a client that
 * keeps a contact itself sends its ETag in If-None-Match (the SDK's `ifNoneMatch`) and gets 304.
 */
export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.set({
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "no-store",
  });
  next();
};
