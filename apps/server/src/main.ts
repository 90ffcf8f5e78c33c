#!/usr/bin/env node
import type { ServerResponse } from "node:http";
import net, { type AddressInfo } from "node:net";
import { createApp } from "./app.js";
import { loadConfig } from "./config.js";
import { ensureFirstApiKey, firstKeyMessage } from "./first-start.js";
import { createHttpServer } from "./http/http-server.js";
import { startIdempotencyPruning } from "./idempotency/idempotency-pruning.js";
import { createIdGenerator } from "./ids.js";
import { createLogger, errorFields } from "./logger.js";
import { LogSampler } from "./observability/log-sampler.js";
import { createMetrics } from "./observability/metrics.js";
import { connectRedis } from "./rate-limits/redis-connection.js";
import { describeDatabase, openStores } from "./server-store.js";
import { loadSpec } from "./spec.js";
import { startUsagePruning } from "./usage/usage-pruning.js";
import { usageService } from "./usage/usage-service.js";

/** How long an idle keep-alive connection may still bring a request once shutdown began. */
const IDLE_CONNECTION_GRACE_MS = 1000;

/** Entry point: reads config, opens the store, listens; on SIGTERM/SIGINT drains and closes. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, { pretty: process.env.NODE_ENV === "development" });
  const stores = await openStores(config.database, {
    listWorkers: config.listWorkers,
    postgres: config.postgres,
  });
  // Rate limits shared by every replica; without REDIS_URL each process has its own buckets.
  const redis = config.redisUrl ? connectRedis(config.redisUrl, logger) : undefined;
  // Set on SIGTERM/SIGINT: /readyz turns 503 so load balancers stop sending new work.
  let draining = false;
  const app = createApp({
    contacts: stores.contacts,
    usage: stores.usage,
    apiKeys: stores.apiKeys,
    idempotency: stores.idempotency,
    readiness: async () =>
      draining ? { ready: false, checks: { shutdown: "draining" } } : stores.readiness(),
    metrics: createMetrics({ processMetrics: true }),
    ...(redis && { sharedRateLimits: { redis, keyPrefix: config.redisKeyPrefix } }),
    ids: createIdGenerator(),
    now: Date.now,
    logger,
    spec: loadSpec(),
    config,
  });

  const firstKey = await ensureFirstApiKey(stores.apiKeys, Date.now());
  // Only one process writes an SQLite file, so at its start every unfinished claim is a crashed
  // request's. On PostgreSQL other replicas may be running theirs: abandoned claims wait to be stale.
  const abandoned = stores.kind === "sqlite" ? await stores.idempotency.releaseUnfinished() : 0;
  if (abandoned > 0)
    logger.warn("released idempotency keys of requests cut off by a crash", { abandoned });
  const server = createHttpServer(app, config).listen(config.port, config.host);
  // Over MAX_CONNECTIONS node:http closes a new connection at once, unanswered; say so, sampled.
  const drops = new LogSampler(logger, {
    perWindow: 5,
    windowMs: 10_000,
    now: Date.now,
    summary: "more connections closed at MAX_CONNECTIONS",
  });
  server.on("drop", () =>
    drops.log(() =>
      logger.warn("connection closed: MAX_CONNECTIONS reached", {
        max_connections: config.maxConnections,
      }),
    ),
  );
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://${config.host === "0.0.0.0" ? "localhost" : config.host}:${port}`;
  logger.info("listening", {
    url: baseUrl,
    database: describeDatabase(config.database),
    rate_limits: redis ? "shared (Redis)" : "per process",
  });
  if (firstKey) process.stderr.write(`${firstKeyMessage(firstKey, baseUrl)}\n`);

  const stopPruning = startIdempotencyPruning(stores.idempotency, Date.now, logger);
  const stopUsagePruning = startUsagePruning(
    usageService({
      store: stores.usage,
      contacts: stores.contacts,
      ids: createIdGenerator(),
      now: Date.now,
      retentionDays: config.usageRetentionDays,
    }),
    logger,
  );

  // While draining, every response not yet started tells its client not to reuse the connection.
  const inFlight = new Set<ServerResponse>();
  server.prependListener("request", (_req, res) => {
    if (draining) res.setHeader("Connection", "close");
    inFlight.add(res);
    res.on("close", () => inFlight.delete(res));
  });
  const stop = (signal: string) => {
    if (draining) return;
    draining = true;
    logger.info("shutting down", { signal });
    for (const res of inFlight) if (!res.headersSent) res.setHeader("Connection", "close");
    const forced = setTimeout(() => {
      logger.warn("in-flight requests did not finish in time; closing their connections");
      server.closeAllConnections();
    }, config.shutdownTimeoutMs);
    forced.unref();
    // Stop accepting connections, but leave open ones alone for now (http.Server#close would
    // also drop idle ones, and a request may already be on its way on them). Responses from here
    // on say Connection: close; idle connections get a short grace, then are closed.
    net.Server.prototype.close.call(server, () => {
      stopPruning();
      stopUsagePruning();
      redis?.disconnect();
      void stores.close().finally(() => {
        logger.info("stopped");
        process.exit(0);
      });
    });
    setTimeout(() => server.closeIdleConnections(), IDLE_CONNECTION_GRACE_MS).unref();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${JSON.stringify({ level: "error", msg: "failed to start", ...errorFields(error) })}\n`,
  );
  process.exit(1);
});
