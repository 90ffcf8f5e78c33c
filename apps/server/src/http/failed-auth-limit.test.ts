import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { localBucketStores } from "../rate-limits/bucket-store.js";
import { clientAddressKey, failedAuthLimit } from "./failed-auth-limit.js";

describe("clientAddressKey", () => {
  it.each<[string, string | undefined, string]>([
    ["IPv4 as is", "203.0.113.7", "203.0.113.7"],
    ["IPv4 mapped into IPv6, as IPv4", "::ffff:203.0.113.7", "203.0.113.7"],
    ["IPv6 by its /64", "2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"],
    ["another host in the same /64 alike", "2001:db8:1:2::1", "2001:db8:1:2::/64"],
    ["a compressed prefix", "2001:db8::1", "2001:db8:0:0::/64"],
    ["leading zeros dropped", "2001:0db8:0001:0002::1", "2001:db8:1:2::/64"],
    ["loopback", "::1", "0:0:0:0::/64"],
    ["a zone id ignored", "fe80::1%eth0", "fe80:0:0:0::/64"],
    ["an IPv4 tail counted as two groups", "64:ff9b:1:2:3:4:192.0.2.1", "64:ff9b:1:2::/64"],
    ["no address (a closed socket)", undefined, "unknown"],
  ])("%s", (_name, address, want) => {
    expect(clientAddressKey(address)).toBe(want);
  });
});

describe("failedAuthLimit", () => {
  const from = (remoteAddress: string) => ({ socket: { remoteAddress } }) as IncomingMessage;

  it("refuses an address past its burst with 429, Retry-After and its policy; others go on", async () => {
    let clock = 0;
    const limit = failedAuthLimit(
      localBucketStores(() => clock)("failed-auth", { requestsPerSecond: 2, burst: 3 }),
    );
    const refusals: unknown[] = [];
    for (let i = 0; i < 4; i++) refusals.push(await limit.refusal(from("198.51.100.1")));
    expect(refusals.slice(0, 3)).toEqual([undefined, undefined, undefined]);
    expect(refusals[3]).toMatchObject({
      status: 429,
      code: "rate_limited",
      extras: {
        headers: {
          "Retry-After": "1",
          "RateLimit-Policy": '"failed-auth";q=4;w=2',
          RateLimit: '"failed-auth";r=0;t=2',
        },
      },
    });
    expect(await limit.refusal(from("198.51.100.2"))).toBeUndefined();
    clock += 500; // one token at 2 per second
    expect(await limit.refusal(from("198.51.100.1"))).toBeUndefined();
  });

  it("is off at 0 requests per second", async () => {
    const limit = failedAuthLimit(
      localBucketStores(() => 0)("failed-auth", { requestsPerSecond: 0, burst: 0 }),
    );
    for (let i = 0; i < 100; i++) {
      expect(await limit.refusal(from("198.51.100.1"))).toBeUndefined();
    }
  });
});
