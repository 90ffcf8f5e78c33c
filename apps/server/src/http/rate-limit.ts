import type { RequestHandler } from "express";
import type { BucketStore } from "../rate-limits/bucket-store.js";
import { bucketPolicy, type Take, type TokenBucketConfig } from "../rate-limits/token-buckets.js";
import { ApiError } from "./api-error.js";

/** Sustained requests per second per API key (0 turns rate limiting off), and its burst. */
export type RateLimitConfig = TokenBucketConfig;

/**
 * The middleware, and `charge` for work that costs more than one request (an import's lines):
 * takes `cost` tokens from the key's bucket, or says how long until it holds them.
 */
export type RateLimiter = RequestHandler & { charge(keyId: string, cost: number): Promise<Take> };

const UNLIMITED: Take = { allowed: true, remaining: 0, secondsToFull: 0, retryAfter: 0 };

/**
 * A token bucket per API key: in this process's memory, or in Redis shared by every replica
 * (see bucket-store.ts). Every response carries the IETF draft `RateLimit-Policy` and `RateLimit`
 * headers; a refused request gets 429 with `Retry-After`.
 */
export function rateLimit(buckets: BucketStore): RateLimiter {
  if (!buckets.enabled) {
    const pass: RequestHandler = (_req, _res, next) => next();
    return Object.assign(pass, { charge: async () => UNLIMITED });
  }
  const policy = bucketPolicy("per-key", buckets.config);

  const middleware: RequestHandler = async (_req, res, next) => {
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
  return Object.assign(middleware, {
    charge: (keyId: string, cost: number) => buckets.take(keyId, cost),
  });
}
