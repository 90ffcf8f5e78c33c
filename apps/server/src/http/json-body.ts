import type { IncomingMessage } from "node:http";
import express, { type RequestHandler } from "express";
import { unsupportedMediaType } from "./api-error.js";

/** The bytes of each parsed body, for fingerprints that must not depend on re-serializing. */
const rawBodies = new WeakMap<IncomingMessage, Buffer>();

/** The request's body exactly as received; empty when it had none. */
export function rawBodyOf(req: IncomingMessage): Buffer {
  return rawBodies.get(req) ?? Buffer.alloc(0);
}

/**
 * Parses JSON bodies up to `limitBytes`. A body in any other media type is refused with 415 before
 * it is read, rather than left unparsed for the validator to misreport.
 */
export function jsonBody(limitBytes: number): RequestHandler[] {
  const refuseOtherMediaTypes: RequestHandler = (req, _res, next) => {
    const hasBody =
      req.headers["transfer-encoding"] !== undefined ||
      Number(req.headers["content-length"] ?? 0) > 0;
    if (hasBody && !req.is("application/json")) return next(unsupportedMediaType());
    next();
  };
  return [
    refuseOtherMediaTypes,
    express.json({
      limit: limitBytes,
      strict: true,
      verify: (req, _res, buffer) => {
        rawBodies.set(req, buffer);
      },
    }),
  ];
}
