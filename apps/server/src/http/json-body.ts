import { isUtf8 } from "node:buffer";
import type { IncomingMessage } from "node:http";
import type { Request, RequestHandler } from "express";
import { ApiError, payloadTooLarge, unsupportedMediaType } from "./api-error.js";

/** The bytes of each parsed body, for fingerprints that must not depend on re-serializing. */
const rawBodies = new WeakMap<IncomingMessage, Buffer>();

/** The request's body exactly as received; empty when it had none. */
export function rawBodyOf(req: IncomingMessage): Buffer {
  return rawBodies.get(req) ?? Buffer.alloc(0);
}

function isUtf8Charset(contentType: string | undefined): boolean {
  const charset = /;\s*charset=("?)([^";]+)\1/i.exec(contentType ?? "")?.[2];
  return charset === undefined || /^utf-?8$/i.test(charset);
}

/** Whether the request announces a body (possibly empty): a Content-Length or a Transfer-Encoding. */
function declaresBody(req: IncomingMessage): boolean {
  return (
    req.headers["transfer-encoding"] !== undefined || req.headers["content-length"] !== undefined
  );
}

/**
 * The JSON media types any operation takes. Which one an operation accepts is the spec's to say
 * (update also takes RFC 7396's merge-patch type): the validator answers 415 for the others.
 */
const JSON_MEDIA_TYPES = ["application/json", "application/merge-patch+json"];

/**
 * Reads and parses JSON bodies of at most `limitBytes`. Everything that can be refused from the
 * headers is refused before a byte of the body is read: another media type or a compressed body
 * (415), a Content-Length over the limit (413). Only then does a client that sent
 * `Expect: 100-continue` get its `100 Continue`. A body that grows past the limit while being read
 * (chunked) is refused the moment it does, without reading the rest: the error renderer closes
 * the connection after every such answer.
 *
 * Why not express.json (body-parser): on any error it reads the whole rest of the body before
 * answering, to keep the connection usable; a client could make the server read gigabytes.
 */
export function jsonBody(limitBytes: number): [RequestHandler, RequestHandler] {
  const refuseFromHeaders: RequestHandler = (req, _res, next) => {
    const length = Number(req.headers["content-length"] ?? 0);
    const hasBody = req.headers["transfer-encoding"] !== undefined || length > 0;
    if (!hasBody) return next();
    if (!req.is(JSON_MEDIA_TYPES) || !isUtf8Charset(req.headers["content-type"])) {
      return next(unsupportedMediaType());
    }
    // Compressed bodies are refused (415): inflating them is a cost and a failure mode
    // (a corrupt stream) with no use for bodies of at most 128 KiB.
    const encoding = req.headers["content-encoding"]?.trim().toLowerCase();
    if (encoding !== undefined && encoding !== "" && encoding !== "identity") {
      return next(unsupportedMediaType());
    }
    if (length > limitBytes) return next(payloadTooLarge(limitBytes));
    next();
  };

  const readJson: RequestHandler = async (req, res, next) => {
    if (!declaresBody(req) || !req.is(JSON_MEDIA_TYPES)) return next();
    if (/\b100-continue\b/i.test(req.headers.expect ?? "")) res.writeContinue();
    const bytes = await readBody(req, limitBytes);
    req.body = parseJson(bytes);
    rawBodies.set(req, bytes);
    next();
  };

  return [refuseFromHeaders, readJson];
}

/**
 * Any JSON value parses (the validator then says precisely what the body should be); an empty
 * body is `{}` (orq.ai's client sends one for an update with nothing to change); a leading BOM is
 * dropped, as body-parser did. Invalid UTF-8 is refused: JSON.parse would quietly turn it into
 * U+FFFD and store that instead.
 */
function parseJson(bytes: Buffer): unknown {
  if (!isUtf8(bytes)) throw new ApiError(400, "malformed_json", "Request body is not valid UTF-8");
  const text = bytes.toString("utf8").replace(/^\uFEFF/, "");
  if (text === "") return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError(
      400,
      "malformed_json",
      `Request body is not valid JSON: ${(error as Error).message}`,
    );
  }
}

/**
 * The body's bytes, or a 413 as soon as more than `limitBytes` arrived (the rest is left unread),
 * or a 400 when the connection broke before the end.
 */
function readBody(req: Request, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const settle = (error: ApiError | undefined) => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onBroken);
      req.off("close", onBroken);
      if (error) reject(error);
      else resolve(Buffer.concat(chunks, received));
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limitBytes) {
        req.pause();
        settle(payloadTooLarge(limitBytes));
      } else chunks.push(chunk);
    };
    const onEnd = () => settle(undefined);
    const onBroken = () =>
      settle(
        new ApiError(400, "malformed_json", "Request body could not be read: the connection broke"),
      );
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onBroken);
    req.on("close", onBroken);
  });
}
