import type { RequestHandler } from "express";
import { ApiError } from "./api-error.js";
import { type TokenBucketConfig, TokenBuckets } from "./token-buckets.js";

/** Sustained requests per second per API key (0 turns rate limiting off), and its burst. */
export type RateLimitConfig = TokenBucketConfig;

/**
 * A token bucket per API key, in memory (one process). Every response carries the IETF draft
 * `RateLimit-Policy` and `RateLimit` headers; a refused request gets 429 with `Retry-After`.
 */
export function rateLimit(config: RateLimitConfig, now: () => number): RequestHandler {
  const buckets = new TokenBuckets(config);
  if (!buckets.enabled) return (_req, _res, next) => next();
  const policy = buckets.policy("per-key");

  return (_req, res, next) => {
    const keyId = res.locals.principal?.keyId;
    if (!keyId) return next();
    const take = buckets.take(keyId, now());
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
