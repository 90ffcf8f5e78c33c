import { createHash } from "node:crypto";
import type { RequestHandler, Response } from "express";
import {
  IDEMPOTENCY_RETENTION_MS,
  IDEMPOTENCY_STALE_CLAIM_MS,
  type IdempotencyStore,
  type StoredResponse,
} from "../idempotency/idempotency-store.js";
import type { Logger } from "../logger.js";
import { ApiError } from "./api-error.js";
import { rawBodyOf } from "./json-body.js";

/** Headers worth replaying; Request-Id belongs to each request, the rest is transport. */
const REPLAYED_HEADERS = ["location", "etag"];

/**
 * Idempotency-Key on POST (Stripe / IETF draft semantics). Runs after auth and validation, so
 * refused requests are never remembered. The first request with a key claims it; its outcome is
 * stored (a 2xx, or a 409 conflict) or forgotten (other errors) when the response ends. A handler
 * may complete the key itself inside its own write transaction, as createContact does.
 */
export function idempotency(store: IdempotencyStore, now: () => number): RequestHandler {
  return async (req, res, next) => {
    const key = req.method === "POST" ? req.get("idempotency-key") : undefined;
    const principal = res.locals.principal;
    if (key === undefined || !principal) return next();

    const fingerprint = requestFingerprint(req.method, req.originalUrl, rawBodyOf(req));
    const at = now();
    const claim = await store.claim(principal.workspaceId, key, fingerprint, at, {
      expiredBefore: at - IDEMPOTENCY_RETENTION_MS,
      staleBefore: at - IDEMPOTENCY_STALE_CLAIM_MS,
    });
    switch (claim.kind) {
      case "in_use":
        throw new ApiError(
          409,
          "idempotency_key_in_use",
          "A request with this Idempotency-Key is still running; retry later",
        );
      case "mismatch":
        throw new ApiError(
          422,
          "idempotency_key_reused",
          "This Idempotency-Key was already used for a different request",
        );
      case "replay":
        return replay(res, claim.response);
      case "claimed":
        settleWhenDone(res, store, principal.workspaceId, key);
        return next();
    }
  };
}

/** What makes two requests "the same": method, path with query, and the exact body bytes. */
export function requestFingerprint(method: string, url: string, body: Uint8Array | string): string {
  return createHash("sha256").update(`${method} ${url}\n`).update(body).digest("hex");
}

function replay(res: Response, stored: StoredResponse): void {
  res.set(stored.headers).set("Idempotent-Replayed", "true").status(stored.status);
  if (stored.body === undefined) res.end();
  else res.json(stored.body);
}

/** When the response ends: keep a 2xx or a 409 for replay; forget anything else. */
function settleWhenDone(res: Response, store: IdempotencyStore, workspaceId: string, key: string) {
  res.on("close", () => {
    const remembered = res.writableFinished && (res.statusCode < 300 || res.statusCode === 409);
    const settle = async () => {
      if (!remembered) return store.release(workspaceId, key);
      const headers = Object.fromEntries(
        REPLAYED_HEADERS.flatMap((name) => {
          const value = res.getHeader(name);
          return typeof value === "string" ? [[name, value]] : [];
        }),
      );
      const sent = res.locals.sentJson;
      const body = sent === undefined ? undefined : JSON.parse(sent);
      return store.complete(workspaceId, key, {
        status: res.statusCode,
        headers,
        ...(body !== undefined && { body }),
      });
    };
    // Nothing to answer any more; a failure here only means the key stays claimed until stale.
    settle().catch(() => undefined);
  });
}

/**
 * Deletes expired keys in small batches every `intervalMs`, yielding between batches so requests
 * never wait long behind it. Returns a function that stops it.
 */
export function startIdempotencyPruning(
  store: IdempotencyStore,
  now: () => number,
  logger: Logger,
  intervalMs = 10 * 60 * 1000,
): () => void {
  const BATCH = 500;
  const pruneAll = async () => {
    let deleted = 0;
    for (;;) {
      const n = await store.prune(now() - IDEMPOTENCY_RETENTION_MS, BATCH);
      deleted += n;
      if (n < BATCH) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (deleted > 0) logger.info("pruned idempotency keys", { deleted });
  };
  const timer = setInterval(() => {
    pruneAll().catch((error: unknown) =>
      logger.warn("pruning idempotency keys failed", { err: String(error) }),
    );
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
