import { createHash } from "node:crypto";
import type { RequestHandler, Response } from "express";
import type { StoreTransaction } from "../contacts/contact-store.js";
import { ApiError } from "../http/api-error.js";
import { rawBodyOf } from "../http/json-body.js";
import {
  IDEMPOTENCY_RETENTION_MS,
  IDEMPOTENCY_STALE_CLAIM_MS,
  type IdempotencyStore,
  type StoredResponse,
} from "./idempotency-store.js";

/** Headers worth replaying; Request-Id belongs to each request, the rest is transport. */
const REPLAYED_HEADERS = ["location", "etag"];

/**
 * A key the current request holds. Its outcome is stored exactly once, through `complete`: by a
 * handler inside its write's transaction (a create commits with its stored response), or else
 * when the response ends (a 2xx or a 409 is kept; anything else releases the key).
 */
export class IdempotencyClaim {
  #completed = false;
  constructor(
    private readonly store: IdempotencyStore,
    readonly workspaceId: string,
    readonly key: string,
  ) {}

  /**
   * Stores the response for replay. Given a store's transaction (a create's), it commits or rolls
   * back with it; the store's write is issued before this returns (see TransactionHook).
   */
  complete(response: StoredResponse, transaction?: StoreTransaction): Promise<void> {
    const headers = Object.fromEntries(
      Object.entries(response.headers).flatMap(([name, value]) =>
        REPLAYED_HEADERS.includes(name.toLowerCase()) ? [[name.toLowerCase(), value]] : [],
      ),
    );
    const done = this.store.complete(
      this.workspaceId,
      this.key,
      { ...response, headers },
      transaction,
    );
    this.#completed = true;
    return done;
  }

  /** When the response has ended: completes a remembered outcome not completed yet, or releases. */
  async settle(res: Response): Promise<void> {
    const remembered = res.writableFinished && (res.statusCode < 300 || res.statusCode === 409);
    // A completion whose transaction rolled back left the key unfinished: released here too.
    if (!remembered) return this.store.release(this.workspaceId, this.key);
    if (this.#completed) return;
    const headers: Record<string, string> = {};
    for (const name of REPLAYED_HEADERS) {
      const value = res.getHeader(name);
      if (typeof value === "string") headers[name] = value;
    }
    const sent = res.locals.sentJson;
    await this.complete({
      status: res.statusCode,
      headers,
      ...(sent !== undefined && { body: JSON.parse(sent) }),
    });
  }
}

/**
 * Idempotency-Key on POST (Stripe / IETF draft semantics). Runs after auth and validation, so
 * refused requests are never remembered. The first request with a key claims it and carries the
 * claim (res.locals.idempotency) to its handler; a retry replays the stored response.
 */
export function idempotency(store: IdempotencyStore, now: () => number): RequestHandler {
  return async (req, res, next) => {
    const key = req.method === "POST" ? req.get("idempotency-key") : undefined;
    const principal = res.locals.principal;
    if (key === undefined || !principal) return next();

    const fingerprint = requestFingerprint(req.method, req.originalUrl, rawBodyOf(req));
    const at = now();
    const claimed = await store.claim(principal.workspaceId, key, fingerprint, at, {
      expiredBefore: at - IDEMPOTENCY_RETENTION_MS,
      staleBefore: at - IDEMPOTENCY_STALE_CLAIM_MS,
    });
    switch (claimed.kind) {
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
        return replay(res, claimed.response);
      case "claimed": {
        const claim = new IdempotencyClaim(store, principal.workspaceId, key);
        res.locals.idempotency = claim;
        res.on("close", () => {
          // Nothing to answer any more; a failure here only means the key stays claimed until stale.
          claim.settle(res).catch(() => undefined);
        });
        return next();
      }
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
