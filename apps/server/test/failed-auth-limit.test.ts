/**
 * The limit on requests without a valid key: per client address, a token bucket turns 401s into
 * 429s with Retry-After; a valid key from the same address is still served; their log lines are
 * sampled, so a flood of them cannot flood the logs. Behind proxies listed in TRUST_PROXY, the
 * address is the client their X-Forwarded-For names; anyone else's X-Forwarded-For is ignored.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../src/logger.js";
import { startTestServer, type TestServer, type TestWorkspace } from "./support/test-server.js";

let clock = Date.parse("2026-05-01T00:00:00.000Z");
const lines: { msg: string; status?: number; not_logged?: number }[] = [];
let server: TestServer;
let ws: TestWorkspace;

beforeAll(async () => {
  server = await startTestServer({
    now: () => clock,
    authFailureLimit: { requestsPerSecond: 1, burst: 5 },
    logger: createLogger("info", { write: (line) => lines.push(JSON.parse(line)) }),
  });
  ws = await server.workspace();
});
afterAll(() => server.close());

const badKey = (n: number) => ({ authorization: `Bearer ck_bogus${n}_${"x".repeat(20)}` });

describe("requests without a valid key, from one address", () => {
  it("get 401 for the burst, then 429 with Retry-After, while a valid key is still served", async () => {
    const statuses: number[] = [];
    const valid: number[] = [];
    for (let i = 0; i < 40; i++) {
      // Bad keys, missing keys, and a valid key in between, all from 127.0.0.1.
      const res = await server.fetch("/v2/contacts", { headers: i % 2 ? badKey(i) : {} });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.headers.get("retry-after")).toBe("1");
        expect(res.headers.get("ratelimit-policy")).toBe('"failed-auth";q=5;w=5');
        expect(res.headers.get("connection")).toBe("close");
        expect(((await res.json()) as { code: string }).code).toBe("rate_limited");
      } else await res.body?.cancel();
      if (i % 10 === 0) valid.push((await ws.fetch("/v2/contacts")).status);
    }
    expect(statuses).toEqual([...Array(5).fill(401), ...Array(35).fill(429)]);
    expect(valid).toEqual([200, 200, 200, 200]);
    expect(server.specProblems()).toEqual([]);

    clock += 1000; // one token back at 1 per second
    expect((await server.fetch("/v2/contacts")).status).toBe(401);
    expect((await server.fetch("/v2/contacts")).status).toBe(429);
  });

  it("are logged a few per window, then summed up in one line", async () => {
    clock += 60_000; // a new log window, and a full bucket
    lines.length = 0;
    for (let i = 0; i < 30; i++) await (await server.fetch("/v2/contacts")).body?.cancel();
    const logged = lines.filter((line) => line.msg === "request");
    expect(logged.length).toBe(10);
    expect(logged.every((line) => line.status === 401 || line.status === 429)).toBe(true);

    // A valid key's requests are logged, every one.
    for (let i = 0; i < 3; i++) await (await ws.fetch("/v2/contacts")).body?.cancel();
    expect(lines.filter((line) => line.msg === "request").length).toBe(13);

    clock += 10_000; // the next window opens with the summary of the one before
    await (await server.fetch("/v2/contacts")).body?.cancel();
    const summaries = lines.filter(
      (line) => line.msg === "more requests with a missing or invalid API key",
    );
    // The first summed up the previous test's flood as its window closed; the last, this one.
    expect(summaries.at(-1)).toMatchObject({ not_logged: 20 });
  });
});

describe("requests without a valid key, through proxies", () => {
  /** Three requests with a bad key, as a proxy at 127.0.0.1 forwards them for `forwardedFor`. */
  async function threeFrom(target: TestServer, forwardedFor: string): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await target.fetch("/v2/contacts", {
        headers: { ...badKey(i), "x-forwarded-for": forwardedFor },
      });
      await res.body?.cancel();
      statuses.push(res.status);
    }
    return statuses;
  }
  const limit = { requestsPerSecond: 0.001, burst: 2 };

  it("count each client a trusted proxy names in its own bucket, whatever it claims before", async () => {
    const behind = await startTestServer({ authFailureLimit: limit, trustProxy: ["loopback"] });
    try {
      expect(await threeFrom(behind, "203.0.113.1")).toEqual([401, 401, 429]);
      // Another client behind the same proxy has a bucket of its own.
      expect(await threeFrom(behind, "203.0.113.2")).toEqual([401, 401, 429]);
      // The proxy appends the address it saw: whatever a client wrote before it is not believed.
      expect(await threeFrom(behind, "198.51.100.9, 203.0.113.1")).toEqual([429, 429, 429]);
      // An entry that is no address cannot pick a bucket: the proxy (127.0.0.1) is counted.
      expect(await threeFrom(behind, "anything")).toEqual([401, 401, 429]);
      expect(await threeFrom(behind, "anything-else")).toEqual([429, 429, 429]);
    } finally {
      await behind.close();
    }
  });

  it("ignore X-Forwarded-For from a peer that is not a trusted proxy", async () => {
    for (const trustProxy of [undefined, ["10.0.0.0/8"]]) {
      const direct = await startTestServer({
        authFailureLimit: limit,
        ...(trustProxy && { trustProxy }),
      });
      try {
        // 127.0.0.1 is the client: the header cannot buy it a fresh bucket.
        expect(await threeFrom(direct, "203.0.113.1")).toEqual([401, 401, 429]);
        expect(await threeFrom(direct, "203.0.113.2")).toEqual([429, 429, 429]);
      } finally {
        await direct.close();
      }
    }
  });
});
