import type { RequestHandler } from "express";
import type { BucketStore } from "../rate-limits/bucket-store.js";
import { bucketPolicy, type TokenBucketConfig } from "../rate-limits/token-buckets.js";
import { ApiError } from "./api-error.js";

/** Sustained requests per second per API key (0 turns rate limiting off), and its burst. */
export type RateLimitConfig = TokenBucketConfig;

/**
 * A token bucket per API key: in this process's memory, or in Redis shared by every replica
 * (see bucket-store.ts). Every response carries the IETF draft `RateLimit-Policy` and `RateLimit`
 * headers; a refused request gets 429 with `Retry-After`.
 */
export function rateLimit(buckets: BucketStore): RequestHandler {
  if (!buckets.enabled) return (_req, _res, next) => next();
  const policy = bucketPolicy("per-key", buckets.config);

  return async (_req, res, next) => {
    const keyId = res.locals.principal?.keyId;
    if (!keyId) return next();
    const take = await buckets.take(keyId);
    res.set({
      "RateLimit-Policy": policy,
      RateLimit: `"per-key";r=${take.remaining};t=${take.secondsToFull}`,
    });
    if (take.allowed) return next();
    next(
      new ApiError(429, "rate_limited", `Rate limit exceeded; retry in ${take.retryAfter} s`, {
        headers: { "Retry-After": String(take.retryAfter) },
      }),
    );
  };
}
