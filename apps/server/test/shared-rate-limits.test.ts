/**
 * Rate limits across replicas: two app instances on one database and one Redis give a key its
 * documented rate in total (and an address its failed-auth allowance); without Redis each has
 * its own buckets; when Redis goes away or hangs mid-load, every request is still answered (200
 * or 429, never a 500), each replica decides alone, says so in its log and metrics, and shares
 * the buckets again once Redis is back. Two server processes started with REDIS_URL share a
 * key's burst; one whose Redis never answers starts and serves anyway.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../src/logger.js";
import { connectRedis, REDIS_COMMAND_TIMEOUT_MS } from "../src/rate-limits/redis-connection.js";
import type { TokenBucketConfig } from "../src/rate-limits/token-buckets.js";
import { REDIS_TEST_URL, redisAvailable, uniqueKeyPrefix } from "./support/redis.js";
import { processRunner } from "./support/server-process.js";
import { startTcpProxy } from "./support/tcp-proxy.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const available = await redisAvailable("shared rate limit test");
const dir = mkdtempSync(join(tmpdir(), "shared-limits-"));
let databaseCount = 0;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The tests about sharing wait this long for Redis, so that a stall of a loaded test machine is
 * not taken for an outage (which would rightly let each replica decide alone); they also check
 * that no replica did.
 */
const PATIENT_MS = 5000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Pair {
  replicas: [TestServer, TestServer];
  key: string;
  logLines: { msg: string; limit?: string }[];
  redis?: Redis;
}

/** Two app instances on one SQLite file, sharing `redisUrl`'s buckets under a fresh prefix. */
async function twoReplicas(options: {
  rateLimit?: TokenBucketConfig;
  authFailureLimit?: TokenBucketConfig;
  redisUrl?: string;
  /** How long a take may wait for Redis (the server's default unless a test is about it). */
  commandTimeoutMs?: number;
}): Promise<Pair> {
  const databasePath = join(dir, `contacts-${++databaseCount}.db`);
  const logLines: Pair["logLines"] = [];
  const logger = createLogger("info", { write: (line) => logLines.push(JSON.parse(line)) });
  const redis = options.redisUrl
    ? connectRedis(options.redisUrl, logger, {
        ...(options.commandTimeoutMs !== undefined && {
          commandTimeoutMs: options.commandTimeoutMs,
        }),
      })
    : undefined;
  if (redis) {
    cleanups.push(() => redis.disconnect());
    await new Promise((resolve) => redis.once("ready", resolve));
  }
  const keyPrefix = uniqueKeyPrefix("replicas");
  const start = () =>
    startTestServer({
      databasePath,
      logger,
      ...(options.rateLimit && { rateLimit: options.rateLimit }),
      ...(options.authFailureLimit && { authFailureLimit: options.authFailureLimit }),
      ...(redis && { sharedRateLimits: { redis, keyPrefix } }),
    });
  const replicas: [TestServer, TestServer] = [await start(), await start()];
  cleanups.push(async () => {
    for (const replica of replicas) await replica.close();
  });
  const { key } = await replicas[0].stores.apiKeys.createKey("acme", Date.now());
  return { replicas, key, logLines, ...(redis && { redis }) };
}

/** Sends `count` list calls with `key`, alternating replicas; the statuses in order. */
async function alternate(pair: Pair, count: number, key = pair.key): Promise<Response[]> {
  const responses: Response[] = [];
  for (let i = 0; i < count; i++) {
    const replica = pair.replicas[i % 2] as TestServer;
    const res = await replica.fetch("/v2/contacts?limit=1", {
      headers: { authorization: `Bearer ${key}` },
    });
    await res.arrayBuffer();
    responses.push(res);
  }
  return responses;
}

const allowedOf = (responses: Response[]) => responses.filter((r) => r.status === 200).length;
const decidedAlone = (pair: Pair) =>
  pair.logLines.filter((line) => line.msg.startsWith("Redis did not answer"));

describe.skipIf(!available)("rate limits shared through Redis by two replicas", () => {
  it("give a key its burst in total, not one burst per replica", async () => {
    const pair = await twoReplicas({
      rateLimit: { requestsPerSecond: 0.1, burst: 10 },
      redisUrl: REDIS_TEST_URL,
      commandTimeoutMs: PATIENT_MS,
    });
    const started = performance.now();
    const responses = await alternate(pair, 30);
    const seconds = (performance.now() - started) / 1000;
    expect(responses.every((r) => r.status === 200 || r.status === 429)).toBe(true);
    // The burst, plus what the rate refilled while the test ran.
    expect(allowedOf(responses)).toBeGreaterThanOrEqual(10);
    expect(allowedOf(responses)).toBeLessThanOrEqual(10 + Math.floor(seconds * 0.1) + 1);
    // Both replicas refused, each with the headers of a single server.
    for (const replica of pair.replicas) {
      const refused = await replica.fetch("/v2/contacts", {
        headers: { authorization: `Bearer ${pair.key}` },
      });
      expect(refused.status).toBe(429);
      // Up to 10 s for the next token at 0.1 per second, less the part already refilled.
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(10);
      expect(refused.headers.get("ratelimit-policy")).toBe('"per-key";q=10;w=100');
      expect(refused.headers.get("ratelimit")).toMatch(/^"per-key";r=0;t=(9[0-9]|100)$/);
      expect(((await refused.json()) as { code: string }).code).toBe("rate_limited");
      expect(replica.specProblems()).toEqual([]);
      const metrics = await (await replica.fetch("/metrics")).text();
      expect(metrics).toContain('rate_limit_fallbacks_total{limit="per-key"} 0');
    }
    expect(decidedAlone(pair)).toEqual([]);
  });

  it("give a key its sustained rate in total under concurrent load on both", async () => {
    // A bucket that holds a second of the rate, so a stall of the (shared) machine under a
    // second wastes no refill.
    const rate = 10;
    const burst = 10;
    const pair = await twoReplicas({
      rateLimit: { requestsPerSecond: rate, burst },
      redisUrl: REDIS_TEST_URL,
      commandTimeoutMs: PATIENT_MS,
    });
    const started = performance.now();
    const statuses: number[] = [];
    // Four callers, two per replica, for 3 seconds.
    await Promise.all(
      [0, 1, 2, 3].map(async (caller) => {
        const replica = pair.replicas[caller % 2] as TestServer;
        while (performance.now() - started < 3000) {
          const res = await replica.fetch("/v2/contacts?limit=1", {
            headers: { authorization: `Bearer ${pair.key}` },
          });
          await res.arrayBuffer();
          statuses.push(res.status);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const allowed = statuses.filter((s) => s === 200).length;
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    expect(statuses.length).toBeGreaterThan(allowed * 1.5); // the callers did push past the rate
    expect(allowed).toBeLessThanOrEqual(burst + Math.ceil(seconds * rate) + 1);
    // Per replica, it would be twice that; the rate less a margin for a loaded machine's stalls.
    expect(allowed).toBeGreaterThanOrEqual(burst + Math.floor(seconds * rate * 0.6));
    expect(decidedAlone(pair)).toEqual([]);
  });

  it("count failed authentications of an address on every replica together", async () => {
    const pair = await twoReplicas({
      authFailureLimit: { requestsPerSecond: 0.1, burst: 3 },
      redisUrl: REDIS_TEST_URL,
      commandTimeoutMs: PATIENT_MS,
    });
    const bad = `ck_0123456789abcdef_${"x".repeat(43)}`;
    const statuses = (await alternate(pair, 6, bad)).map((r) => r.status);
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
    // A valid key from the same address is still served on both.
    expect((await alternate(pair, 2)).map((r) => r.status)).toEqual([200, 200]);
    expect(decidedAlone(pair)).toEqual([]);
  });

  it("are per replica without Redis: two replicas allow two bursts", async () => {
    const pair = await twoReplicas({ rateLimit: { requestsPerSecond: 0.5, burst: 10 } });
    const allowed = allowedOf(await alternate(pair, 30));
    expect(allowed).toBeGreaterThanOrEqual(20);
    expect(allowed).toBeLessThanOrEqual(22);
  });
});

describe.skipIf(!available)("when Redis goes away mid-load", () => {
  it("answers every request (200 or 429, never 500), each replica alone, then shares again", async () => {
    const target = new URL(REDIS_TEST_URL);
    const proxy = await startTcpProxy({
      host: target.hostname,
      port: Number(target.port || 6379),
    });
    cleanups.push(() => proxy.close());
    const pair = await twoReplicas({
      rateLimit: { requestsPerSecond: 1, burst: 5 },
      authFailureLimit: { requestsPerSecond: 1, burst: 5 },
      redisUrl: `${proxy.url("redis")}${target.pathname}`,
    });
    const statuses: number[] = [];
    const slowest = { ms: 0 };
    let stop = false;
    // Two callers, one per replica, until told to stop.
    const load = Promise.all(
      pair.replicas.map(async (replica) => {
        while (!stop) {
          const sent = performance.now();
          const res = await replica.fetch("/v2/contacts?limit=1", {
            headers: { authorization: `Bearer ${pair.key}` },
          });
          await res.arrayBuffer();
          slowest.ms = Math.max(slowest.ms, performance.now() - sent);
          statuses.push(res.status);
          await sleep(5);
        }
      }),
    );

    await sleep(300);
    const sharedBefore = statuses.length;
    proxy.cut(); // Redis unreachable: connections closed, new ones refused
    await sleep(1500);
    const duringCut = statuses.length - sharedBefore;
    proxy.restore();
    await sleep(300);
    proxy.blackhole(); // Redis hung: connected, never answering
    await sleep(1500);
    stop = true;
    await load;

    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    expect(duringCut).toBeGreaterThan(20); // requests kept flowing while Redis was away
    expect(slowest.ms).toBeLessThan(REDIS_COMMAND_TIMEOUT_MS + 500);
    // Bad keys are answered too (401 or 429) while Redis hangs.
    const bad = await alternate(pair, 4, `ck_0123456789abcdef_${"y".repeat(43)}`);
    expect(bad.every((r) => r.status === 401 || r.status === 429)).toBe(true);

    const fallbacks = await (await pair.replicas[0].fetch("/metrics")).text();
    expect(fallbacks).toMatch(/rate_limit_fallbacks_total\{limit="per-key"\} [1-9]/);
    expect(pair.logLines.map((line) => line.msg)).toContain(
      "Redis did not answer: this replica enforces the rate limit alone",
    );

    // Redis back: the buckets are shared again, so a fresh key gets one burst in total.
    proxy.restore();
    await new Promise((resolve) =>
      pair.redis?.status === "ready" ? resolve(undefined) : pair.redis?.once("ready", resolve),
    );
    await sleep(1100); // past the pause after the last failure
    const { key } = await pair.replicas[0].stores.apiKeys.createKey("later", Date.now());
    const allowed = allowedOf(await alternate(pair, 12, key));
    expect(allowed).toBeGreaterThanOrEqual(5);
    expect(allowed).toBeLessThanOrEqual(7);
    expect(pair.logLines.map((line) => line.msg)).toContain(
      "Redis answers again: the rate limit is shared by every replica",
    );
  });
});

describe.skipIf(!available)("server processes started with REDIS_URL", () => {
  const runner = processRunner({
    LOG_LEVEL: "info",
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: join(dir, "processes.db"),
  });
  afterAll(() => runner.killAll());

  it("share a key's burst between two processes; with Redis unreachable they still serve", async () => {
    const env = {
      REDIS_URL: REDIS_TEST_URL,
      REDIS_KEY_PREFIX: uniqueKeyPrefix("processes"),
      RATE_LIMIT_RPS: "0.1",
      RATE_LIMIT_BURST: "5",
    };
    const created = await runner.admin(
      "keys",
      "create",
      "--workspace",
      "acme",
      "--create-database",
    );
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    const servers = [await runner.startServer(env), await runner.startServer(env)];
    for (const server of servers) expect(server.out()).toContain('"rate_limits":"shared (Redis)"');
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${servers[i % 2]?.url}/v2/contacts`, {
        headers: { authorization: `Bearer ${key}` },
      });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);

    // A Redis that never answers: the server starts anyway and serves, each process alone.
    const closed = await startTcpProxy({ host: "127.0.0.1", port: 9 });
    closed.cut();
    cleanups.push(() => closed.close());
    const alone = await runner.startServer({ ...env, REDIS_URL: closed.url("redis") });
    const res = await fetch(`${alone.url}/v2/contacts`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(200);
    expect(alone.out()).toContain(
      "Redis did not answer: this replica enforces the rate limit alone",
    );
  }, 90_000);
});
