import { describe, expect, it } from "vitest";
import { TokenBuckets } from "./token-buckets.js";

describe("TokenBuckets", () => {
  it("spends the burst, refuses, then refills at the sustained rate", () => {
    const buckets = new TokenBuckets({ requestsPerSecond: 2, burst: 3 });
    const takes = [0, 0, 0, 0].map((at) => buckets.take("k", at));
    expect(takes.map((t) => t.allowed)).toEqual([true, true, true, false]);
    expect(takes.map((t) => t.remaining)).toEqual([2, 1, 0, 0]);
    expect(takes[3]).toMatchObject({ retryAfter: 1, secondsToFull: 2 });
    expect(buckets.take("k", 499).allowed).toBe(false);
    expect(buckets.take("k", 500).allowed).toBe(true);
  });

  it("keeps one bucket per key", () => {
    const buckets = new TokenBuckets({ requestsPerSecond: 1, burst: 1 });
    expect(buckets.take("a", 0).allowed).toBe(true);
    expect(buckets.take("a", 0).allowed).toBe(false);
    expect(buckets.take("b", 0).allowed).toBe(true);
  });

  it.each([
    ["2 per second, burst 3", 2, 3, '"per-key";q=4;w=2'],
    ["100 per second, burst 200", 100, 200, '"per-key";q=200;w=2'],
    ["burst below the rate", 10, 5, '"per-key";q=10;w=1'],
  ])("states its policy: %s", (_name, requestsPerSecond, burst, want) => {
    expect(new TokenBuckets({ requestsPerSecond, burst }).policy("per-key")).toBe(want);
  });

  it("drops full buckets first when it holds too many keys", () => {
    const buckets = new TokenBuckets({ requestsPerSecond: 1, burst: 2 }, 4);
    buckets.take("busy", 0);
    buckets.take("busy", 0);
    for (const key of ["a", "b", "c"]) buckets.take(key, 0);
    // Three seconds on, a, b and c are full again; busy (emptied at 0) is too, so all may go.
    buckets.take("d", 3000);
    expect(buckets.size).toBeLessThanOrEqual(4);
    expect(buckets.size).toBeGreaterThanOrEqual(1);
  });

  it("stays bounded when every key is busy, keeping the newest", () => {
    const buckets = new TokenBuckets({ requestsPerSecond: 1, burst: 1 }, 4);
    for (let i = 0; i < 100; i++) buckets.take(`key-${i}`, 0);
    expect(buckets.size).toBeLessThanOrEqual(4);
    // The newest key is still known (and still empty).
    expect(buckets.take("key-99", 0).allowed).toBe(false);
  });

  it("is off at 0 requests per second", () => {
    expect(new TokenBuckets({ requestsPerSecond: 0, burst: 0 }).enabled).toBe(false);
  });

  it("takes a weighted cost, at most a full bucket, and says when it will be there", () => {
    const buckets = new TokenBuckets({ requestsPerSecond: 2, burst: 10 });
    expect(buckets.take("k", 0, 4).remaining).toBe(6);
    const short = buckets.take("k", 0, 8);
    expect(short).toMatchObject({ allowed: false, retryAfter: 1 });
    // A cost above the burst costs the burst: never refused forever.
    expect(buckets.take("k", 2000, 50)).toMatchObject({ allowed: true, remaining: 0 });
  });
});
