import type { RequestHandler } from "express";

/**
 * The security headers that mean something for a JSON API: nothing may be sniffed, framed,
 * cached or used as a script. /docs replaces the CSP and caching for its own assets.
 * HSTS belongs to the TLS terminator in front of the server.
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
