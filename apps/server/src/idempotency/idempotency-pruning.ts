import type { Logger } from "../logger.js";
import { IDEMPOTENCY_RETENTION_MS, type IdempotencyStore } from "./idempotency-store.js";

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
