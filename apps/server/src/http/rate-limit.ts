import type { RequestHandler } from "express";
import { ApiError } from "./api-error.js";

export interface RateLimitConfig {
  /** Sustained requests per second per API key; 0 turns rate limiting off. */
  requestsPerSecond: number;
  /** Requests a key may make at once after being idle (the bucket's size). */
  burst: number;
}

interface Bucket {
  tokens: number;
  refilledAt: number;
}

/** Beyond this many keys, full (idle) buckets are dropped: they carry no information. */
const MAX_IDLE_BUCKETS = 10_000;

/**
 * A token bucket per API key, in memory (one process). Every response carries the IETF draft
 * `RateLimit-Policy` and `RateLimit` headers; a refused request gets 429 with `Retry-After`.
 */
export function rateLimit(config: RateLimitConfig, now: () => number): RequestHandler {
  const { requestsPerSecond: rate, burst } = config;
  if (rate <= 0) return (_req, _res, next) => next();
  const buckets = new Map<string, Bucket>();
  // The policy the bucket keeps: `rate` per second sustained, as a quota over the refill window.
  const window = Math.max(1, Math.ceil(burst / rate));
  const policy = `"per-key";q=${Math.round(rate * window)};w=${window}`;

  const refill = (bucket: Bucket, at: number) => {
    bucket.tokens = Math.min(burst, bucket.tokens + ((at - bucket.refilledAt) / 1000) * rate);
    bucket.refilledAt = at;
  };

  return (_req, res, next) => {
    const keyId = res.locals.principal?.keyId;
    if (!keyId) return next();
    const at = now();
    let bucket = buckets.get(keyId);
    if (!bucket) {
      if (buckets.size >= MAX_IDLE_BUCKETS) dropFullBuckets(buckets, at, refill, burst);
      bucket = { tokens: burst, refilledAt: at };
      buckets.set(keyId, bucket);
    }
    refill(bucket, at);
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    const remaining = Math.floor(bucket.tokens);
    const secondsToFull = Math.ceil((burst - bucket.tokens) / rate);
    res.set({
      "RateLimit-Policy": policy,
      RateLimit: `"per-key";r=${remaining};t=${secondsToFull}`,
    });
    if (allowed) return next();
    const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / rate));
    next(
      new ApiError(429, "rate_limited", `Rate limit exceeded; retry in ${retryAfter} s`, {
        headers: { "Retry-After": String(retryAfter) },
      }),
    );
  };
}

function dropFullBuckets(
  buckets: Map<string, Bucket>,
  at: number,
  refill: (bucket: Bucket, at: number) => void,
  burst: number,
): void {
  for (const [keyId, bucket] of buckets) {
    refill(bucket, at);
    if (bucket.tokens >= burst) buckets.delete(keyId);
  }
}
