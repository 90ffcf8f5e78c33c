import type { StoreTransaction } from "../contacts/contact-store.js";

/** A response kept for replay: what the first request with a key answered. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

/** The outcome of claiming a key for a request. */
export type Claim =
  | { kind: "claimed" }
  | { kind: "replay"; response: StoredResponse }
  | { kind: "in_use" }
  | { kind: "mismatch" };

/**
 * Idempotency keys, scoped by workspace. A key is claimed before the request runs, then either
 * completed with its response (kept until it expires) or released so a retry runs anew.
 */
export interface IdempotencyStore {
  /**
   * Claims `key` for a request with this fingerprint. Keys completed before `expiredBefore` and
   * claims abandoned before `staleBefore` (a crash mid-request) count as unused.
   */
  claim(
    workspaceId: string,
    key: string,
    fingerprint: string,
    now: number,
    limits: { expiredBefore: number; staleBefore: number },
  ): Promise<Claim>;
  /**
   * Stores the response of a claimed key; a no-op when it was already completed. Given another
   * store's transaction on the same database, it writes inside it and commits with it; on SQLite
   * the write is issued before this returns (see TransactionHook).
   */
  complete(
    workspaceId: string,
    key: string,
    response: StoredResponse,
    transaction?: StoreTransaction,
  ): Promise<void>;
  /** Forgets a claim whose request should not be remembered. */
  release(workspaceId: string, key: string): Promise<void>;
  /**
   * Forgets every unfinished claim: at start, before any request runs, these can only be left
   * by a process that died mid-request (whose write never committed).
   */
  releaseUnfinished(): Promise<number>;
  /** Deletes up to `batch` keys created before `before`; resolves to how many it deleted. */
  prune(before: number, batch: number): Promise<number>;
}

/** Completed keys are replayed for this long (documented in openapi.yaml and the README). */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60 * 1000;
/** An unfinished claim older than this was abandoned by a crash: the request never committed. */
export const IDEMPOTENCY_STALE_CLAIM_MS = 5 * 60 * 1000;
