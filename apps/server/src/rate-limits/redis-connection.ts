/**
 * The Redis connection behind shared rate limits (REDIS_URL). It fails fast rather than queue:
 * a take waits at most REDIS_COMMAND_TIMEOUT_MS, and none waits for a reconnection, so a Redis
 * outage costs requests a fallback decision, never their latency. It reconnects by itself.
 */
import { Redis } from "ioredis";
import type { Logger } from "../logger.js";
import { LogSampler } from "../observability/log-sampler.js";

/**
 * A take Redis has not answered by then is decided by the replica alone. Loopback or LAN Redis
 * answers in well under a millisecond; the margin is for this process's own event-loop stalls,
 * after which the timer can fire before the waiting reply is read.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 500;

/** Connects to `url` (redis:// or rediss://) in the background; the server starts either way. */
export function connectRedis(
  url: string,
  logger: Logger,
  options: { commandTimeoutMs?: number; now?: () => number } = {},
): Redis {
  const { commandTimeoutMs = REDIS_COMMAND_TIMEOUT_MS, now = Date.now } = options;
  const redis = new Redis(url, {
    // Refuse commands while disconnected instead of queueing them until Redis is back.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: commandTimeoutMs,
    connectTimeout: 2000,
    // Reconnect every 50 ms more per attempt, at most every 2 s, forever.
    retryStrategy: (attempt) => Math.min(attempt * 50, 2000),
  });
  const failures = new LogSampler(logger, {
    perWindow: 1,
    windowMs: 30_000,
    now,
    summary: "more Redis connection errors",
  });
  // Without an "error" listener ioredis prints every failed reconnection to the console.
  redis.on("error", (error: Error) =>
    failures.log(() => logger.warn("Redis connection error", { error: error.message })),
  );
  redis.on("ready", () => logger.info("Redis connected: rate limits are shared by every replica"));
  return redis;
}
