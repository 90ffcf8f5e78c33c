import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { REDIS_TEST_URL, redisAvailable, uniqueKeyPrefix } from "../../test/support/redis.js";
import { RedisTokenBuckets } from "./redis-token-buckets.js";
import { TokenBuckets } from "./token-buckets.js";

const available = await redisAvailable("Redis token bucket test");

describe.skipIf(!available)("RedisTokenBuckets (real Redis)", () => {
  // Two connections: two replicas.
  const first = new Redis(REDIS_TEST_URL);
  const second = new Redis(REDIS_TEST_URL);
  afterAll(() => {
    first.disconnect();
    second.disconnect();
  });
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it("spends the burst, refuses, and says what the in-process bucket would say", async () => {
    const config = { requestsPerSecond: 0.5, burst: 3 };
    const shared = new RedisTokenBuckets(first, uniqueKeyPrefix("bucket"), config);
    const local = new TokenBuckets(config);
    for (let i = 0; i < 4; i++) {
      // A clock that does not move: at 0.5 per second the few ms between takes add no whole token.
      expect(await shared.take("k")).toEqual(local.take("k", 0));
    }
    expect(await shared.take("k")).toMatchObject({
      allowed: false,
      remaining: 0,
      retryAfter: 2,
      secondsToFull: 6,
    });
  });

  it("is one bucket for every connection, and one per key", async () => {
    const prefix = uniqueKeyPrefix("shared");
    const config = { requestsPerSecond: 0.1, burst: 4 };
    const replicas = [
      new RedisTokenBuckets(first, prefix, config),
      new RedisTokenBuckets(second, prefix, config),
    ];
    const allowed: boolean[] = [];
    for (let i = 0; i < 10; i++) allowed.push((await replicas[i % 2]?.take("k"))?.allowed ?? false);
    expect(allowed.filter(Boolean)).toHaveLength(4);
    expect((await replicas[1]?.take("another"))?.allowed).toBe(true);
  });

  it("refills at the rate, by Redis's clock", async () => {
    const shared = new RedisTokenBuckets(first, uniqueKeyPrefix("refill"), {
      requestsPerSecond: 20,
      burst: 2,
    });
    await shared.take("k");
    await shared.take("k");
    expect((await shared.take("k")).allowed).toBe(false);
    await sleep(120); // 2.4 tokens at 20 per second, capped at the burst of 2
    expect((await shared.take("k")).allowed).toBe(true);
    expect((await shared.take("k")).allowed).toBe(true);
    expect((await shared.take("k")).allowed).toBe(false);
  });

  it("lets a bucket expire once it would be full again, so idle keys cost Redis nothing", async () => {
    const prefix = uniqueKeyPrefix("expiry");
    const shared = new RedisTokenBuckets(first, prefix, { requestsPerSecond: 10, burst: 5 });
    await shared.take("k");
    // One token short: full again in 100 ms; kept a second longer.
    const ttl = await first.pttl(`${prefix}k`);
    expect(ttl).toBeGreaterThan(900);
    expect(ttl).toBeLessThanOrEqual(1100);
  });
});
