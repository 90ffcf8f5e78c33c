import type { RequestHandler } from "express";
import { ApiError } from "./api-error.js";
import { type Take, type TokenBucketConfig, TokenBuckets } from "./token-buckets.js";

/** Sustained requests per second per API key (0 turns rate limiting off), and its burst. */
export type RateLimitConfig = TokenBucketConfig;

/**
 * A token bucket per API key, in memory (one process). Every response carries the IETF draft
 * `RateLimit-Policy` and `RateLimit` headers; a refused request gets 429 with `Retry-After`.
 */
export function rateLimit(config: RateLimitConfig, now: () => number): RateLimiter {
  const buckets = new TokenBuckets(config);
  const charge = (keyId: string, cost: number) =>
    buckets.enabled ? buckets.take(keyId, now(), cost) : UNLIMITED;
  if (!buckets.enabled) {
    const pass: RequestHandler = (_req, _res, next) => next();
    return Object.assign(pass, { charge });
  }
  const policy = buckets.policy("per-key");

  const middleware: RequestHandler = (_req, res, next) => {
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
  return Object.assign(middleware, { charge });
}

/**
 * The middleware, and `charge` for work that costs more than one request (an import's lines):
 * takes `cost` tokens from the key's bucket, or says how long until it holds them.
 */
export type RateLimiter = RequestHandler & { charge(keyId: string, cost: number): Take };

const UNLIMITED: Take = { allowed: true, remaining: 0, secondsToFull: 0, retryAfter: 0 };
