import { isUtf8 } from "node:buffer";
import type { IncomingMessage } from "node:http";
import express, { type RequestHandler } from "express";
import { unsupportedMediaType } from "./api-error.js";

/** The bytes of each parsed body, for fingerprints that must not depend on re-serializing. */
const rawBodies = new WeakMap<IncomingMessage, Buffer>();

/** The request's body exactly as received; empty when it had none. */
export function rawBodyOf(req: IncomingMessage): Buffer {
  return rawBodies.get(req) ?? Buffer.alloc(0);
}

/** Thrown from body-parser's verify hook; rendered as 400 malformed_json. */
export class InvalidUtf8Error extends Error {
  override readonly name = "InvalidUtf8Error";
  constructor() {
    super("Request body is not valid UTF-8");
  }
}

function isUtf8Charset(contentType: string | undefined): boolean {
  const charset = /;\s*charset=("?)([^";]+)\1/i.exec(contentType ?? "")?.[2];
  return charset === undefined || /^utf-?8$/i.test(charset);
}

/**
 * Parses JSON bodies up to `limitBytes`. A body in any other media type is refused with 415 before
 * it is read, rather than left unparsed for the validator to misreport.
 */
export function jsonBody(limitBytes: number): [RequestHandler, RequestHandler] {
  const refuseOtherMediaTypes: RequestHandler = (req, _res, next) => {
    const hasBody =
      req.headers["transfer-encoding"] !== undefined ||
      Number(req.headers["content-length"] ?? 0) > 0;
    if (hasBody && (!req.is("application/json") || !isUtf8Charset(req.headers["content-type"]))) {
      return next(unsupportedMediaType());
    }
    next();
  };
  return [
    refuseOtherMediaTypes,
    express.json({
      limit: limitBytes,
      // Compressed bodies are refused (415): inflating them is a cost and a failure mode
      // (a corrupt stream) with no use for bodies of at most 128 KiB.
      inflate: false,
      // Any JSON value parses; the validator then says precisely what the body should be.
      strict: false,
      verify: (req, _res, buffer) => {
        // JSON.parse would quietly turn invalid UTF-8 into U+FFFD and store that instead.
        if (!isUtf8(buffer)) {
          throw new InvalidUtf8Error();
        }
        rawBodies.set(req, buffer);
      },
    }),
  ];
}
