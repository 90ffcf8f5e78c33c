import type { RequestHandler } from "express";

/**
 * Serves `HEAD` as the `GET` of the same route (RFC 9110 §9.3.2): same checks, status and
 * headers, no body. The spec declares GET only, so the validator would answer 405; past this
 * point the request is a GET. The body is still never sent: node:http decided that from the
 * method when it made the response (a HEAD response has no body, whatever is written to it).
 * The request log keeps the method as received.
 */
export const headAsGet: RequestHandler = (req, _res, next) => {
  if (req.method === "HEAD") req.method = "GET";
  next();
};
