/**
 * The body of an import: JSON Lines (`application/x-ndjson`), checked from its headers like every
 * other body (media type, encoding, Content-Length) but not read here: the handler streams it, so
 * a 64 MiB body is never held in memory. `bodyLines` reads it, refusing it past the limit.
 */
import type { Readable } from "node:stream";
import type { RequestHandler } from "express";
import { ApiError, payloadTooLarge } from "./api-error.js";

const NDJSON = "application/x-ndjson";

/** Refuses from the headers what the import would refuse: another media type, compression, size. */
export function ndjsonBody(limitBytes: number): [RequestHandler, RequestHandler] {
  const refuseFromHeaders: RequestHandler = (req, res, next) => {
    const length = Number(req.headers["content-length"] ?? 0);
    const hasBody = req.headers["transfer-encoding"] !== undefined || length > 0;
    if (!hasBody) return next();
    const charset = /;\s*charset=("?)([^";]+)\1/i.exec(req.headers["content-type"] ?? "")?.[2];
    if (!req.is(NDJSON) || (charset !== undefined && !/^utf-?8$/i.test(charset))) {
      return next(unsupportedNdjson());
    }
    const encoding = req.headers["content-encoding"]?.trim().toLowerCase();
    if (encoding !== undefined && encoding !== "" && encoding !== "identity") {
      return next(unsupportedNdjson());
    }
    if (length > limitBytes) return next(payloadTooLarge(limitBytes));
    if (/\b100-continue\b/i.test(req.headers.expect ?? "")) res.writeContinue();
    next();
  };
  // The validator checks the media type and that a body is there; it never sees the lines.
  const markStreamed: RequestHandler = (req, _res, next) => {
    req.body = "";
    next();
  };
  return [refuseFromHeaders, markStreamed];
}

function unsupportedNdjson(): ApiError {
  return new ApiError(
    415,
    "unsupported_media_type",
    "Request body must be JSON Lines in UTF-8: application/x-ndjson, not compressed",
  );
}

/** The body's chunks as they arrive; a 413 once more than `limitBytes` came (the rest unread). */
export async function* bodyChunks(req: Readable, limitBytes: number): AsyncGenerator<Buffer> {
  let received = 0;
  try {
    for await (const chunk of req) {
      received += (chunk as Buffer).length;
      if (received > limitBytes) {
        req.pause();
        throw payloadTooLarge(limitBytes);
      }
      yield chunk as Buffer;
    }
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError(
      400,
      "malformed_json",
      "Request body could not be read: the connection broke",
    );
  }
}
