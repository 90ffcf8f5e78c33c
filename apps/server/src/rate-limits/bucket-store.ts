/**
 * Where a limit's token buckets live: this process's memory (one replica, or no REDIS_URL), or
 * Redis shared by every replica, falling back to this process's memory while Redis fails — a
 * limit never turns a request into a 500 because its store is down.
 */
import type { Redis } from "ioredis";
import { Counter, type Registry } from "prom-client";
import type { Logger } from "../logger.js";
import { LogSampler } from "../observability/log-sampler.js";
import { RedisTokenBuckets } from "./redis-token-buckets.js";
import { type Take, type TokenBucketConfig, TokenBuckets } from "./token-buckets.js";

/** One limit's buckets, keyed by a string (an API key id, a client address). */
export interface BucketStore {
  readonly config: TokenBucketConfig;
  /** False at 0 requests per second: every take would be allowed. */
  readonly enabled: boolean;
  /** Takes `cost` tokens (1 by default; at most a full bucket) from `key`'s bucket. */
  take(key: string, cost?: number): Promise<Take>;
}

/** Makes the buckets of one named limit ("per-key", "failed-auth"). */
export type BucketStores = (name: string, config: TokenBucketConfig) => BucketStore;

/** Shared buckets: the Redis connection and the prefix of every key the limits write. */
export interface SharedRateLimits {
  redis: Redis;
  keyPrefix: string;
}

/** After Redis failed a take, this process decides alone for this long before asking it again. */
export const REDIS_RETRY_AFTER_FAILURE_MS = 1000;

/** Buckets in this process's memory: with several replicas, each has its own. */
export function localBucketStores(now: () => number): BucketStores {
  return (_name, config) => {
    const buckets = new TokenBuckets(config);
    return {
      config,
      enabled: buckets.enabled,
      take: async (key, cost = 1) => buckets.take(key, now(), cost),
    };
  };
}

/**
 * Buckets in Redis, shared by every replica. While Redis is unreachable or slow, each replica
 * decides with its own in-memory buckets (so N replicas allow up to N times the rate), logs a
 * warning and counts `rate_limit_fallbacks_total`; it asks Redis again a second later.
 */
export function sharedBucketStores(deps: {
  shared: SharedRateLimits;
  now: () => number;
  logger: Logger;
  registry: Registry;
}): BucketStores {
  const fallbacks =
    (deps.registry.getSingleMetric("rate_limit_fallbacks_total") as Counter | undefined) ??
    new Counter({
      name: "rate_limit_fallbacks_total",
      help: "Requests whose rate limit this replica decided alone because Redis did not answer, by limit.",
      labelNames: ["limit"],
      registers: [deps.registry],
    });
  const warnings = new LogSampler(deps.logger, {
    perWindow: 1,
    windowMs: 10_000,
    now: deps.now,
    summary: "more rate limit decisions made without Redis",
  });

  return (name, config) => {
    const local = new TokenBuckets(config);
    const shared = new RedisTokenBuckets(
      deps.shared.redis,
      `${deps.shared.keyPrefix}rate-limit:${name}:`,
      config,
    );
    // Exported as 0 from the start, so an alert on its rate has a series to watch.
    fallbacks.inc({ limit: name }, 0);
    let askRedisAt = Number.NEGATIVE_INFINITY;
    let degraded = false;

    const alone = (key: string, cost: number, at: number, error?: unknown): Take => {
      fallbacks.inc({ limit: name });
      if (!degraded || error) {
        degraded = true;
        warnings.log(() =>
          deps.logger.warn("Redis did not answer: this replica enforces the rate limit alone", {
            limit: name,
            redis_status: deps.shared.redis.status,
            ...(error !== undefined && { error: String((error as Error).message ?? error) }),
          }),
        );
      }
      return local.take(key, at, cost);
    };

    return {
      config,
      enabled: local.enabled,
      async take(key, cost = 1) {
        const at = deps.now();
        // Not connected: ioredis would refuse at once anyway; skip the rejected promise.
        if (at < askRedisAt || deps.shared.redis.status !== "ready") return alone(key, cost, at);
        try {
          const take = await shared.take(key, cost);
          if (degraded) {
            degraded = false;
            deps.logger.info("Redis answers again: the rate limit is shared by every replica", {
              limit: name,
            });
          }
          return take;
        } catch (error) {
          askRedisAt = at + REDIS_RETRY_AFTER_FAILURE_MS;
          return alone(key, cost, at, error);
        }
      },
    };
  };
}
