/**
 * What operators rely on: health and readiness, Prometheus metrics, the spec served as YAML and
 * JSON, security headers, and the per-key rate limit.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createMetrics } from "../src/observability/metrics.js";
import { startTestServer, type TestServer, type TestWorkspace } from "./support/test-server.js";

let clock = Date.parse("2026-05-01T00:00:00.000Z");
let server: TestServer;
let ws: TestWorkspace;

beforeAll(async () => {
  server = await startTestServer({
    now: () => clock,
    rateLimit: { requestsPerSecond: 2, burst: 3 },
    metrics: createMetrics({ processMetrics: true }),
  });
  ws = await server.workspace();
});
afterAll(() => server.close());

describe("operator routes need no key and hold no contact data", () => {
  it("GET /healthz → 200", async () => {
    const res = await server.fetch("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("GET /readyz → 200 with the database and migrations checked", async () => {
    const res = await server.fetch("/readyz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: "ok",
      checks: { database: "ok", migrations: "ok" },
    });
  });

  it("serves the spec as YAML and as the same document in JSON", async () => {
    const yamlText = await (await server.fetch("/openapi.yaml")).text();
    const json = await (await server.fetch("/openapi.json")).json();
    expect(json).toEqual(parse(yamlText));
    expect((json as { openapi: string }).openapi).toBe("3.1.0");
  });

  it("exposes request, store and process metrics in Prometheus format", async () => {
    clock += 10_000;
    const email = "private.person@example.com";
    await ws.fetch("/v2/contacts", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ external_id: "metrics-1", email }),
    });
    await ws.fetch("/v2/contacts/metrics-1");
    const res = await server.fetch("/metrics");
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toMatch(/http_requests_total\{operation="createContact",status="201"\} 1/);
    expect(text).toMatch(
      /http_request_duration_seconds_bucket\{le="[^"]+",operation="retrieveContact",status="200"\}/,
    );
    expect(text).toMatch(/store_call_duration_seconds_count\{store="contacts",method="create"\} 1/);
    expect(text).toMatch(/process_resident_memory_bytes \d+/);
    expect(text).not.toContain(email);
    expect(text).not.toContain("metrics-1");
    expect(text).not.toContain(ws.apiKey);
  });
});

describe("readiness when the database is gone", () => {
  it("GET /readyz → 503 naming the failing check", async () => {
    const broken = await startTestServer();
    await broken.stores.close();
    const res = await broken.fetch("/readyz");
    expect(res.status).toBe(503);
    const body = (await res.json()) as { status: string; checks: { database: string } };
    expect(body.status).toBe("unavailable");
    // SQLite: "The database connection is not open"; PostgreSQL: "closed".
    expect(body.checks.database).toMatch(/not open|closed/);
    await broken.close();
  });
});

it("keeps no contact in HTTP caches: retrieve, its 304 and a list are no-store too", async () => {
  clock += 60_000;
  await ws.fetch("/v2/contacts", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ external_id: "cached-1" }),
  });
  const res = await ws.fetch("/v2/contacts/cached-1");
  expect(res.headers.get("cache-control")).toBe("no-store");
  // Revalidation still works for a client that kept the contact (and its ETag) itself.
  const again = await ws.fetch("/v2/contacts/cached-1", {
    headers: { "if-none-match": res.headers.get("etag") as string },
  });
  expect(again.status).toBe(304);
  expect(again.headers.get("cache-control")).toBe("no-store");
  expect((await ws.fetch("/v2/contacts")).headers.get("cache-control")).toBe("no-store");
  expect(server.specProblems()).toEqual([]);
});

describe("security headers", () => {
  it.each(["/healthz", "/v2/contacts", "/nope"])("are on %s", async (path) => {
    const res = await ws.fetch(path);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-security-policy")).toBe(
      "default-src 'none'; frame-ancestors 'none'",
    );
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-powered-by")).toBeNull();
  });
});

describe("rate limit: a token bucket per API key", () => {
  it("spends the burst, then answers 429 with Retry-After until tokens refill", async () => {
    clock += 60_000; // the bucket is full again
    const limited = await server.workspace();
    const statuses: number[] = [];
    const limits: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await limited.fetch("/v2/contacts");
      statuses.push(res.status);
      limits.push(res.headers.get("ratelimit") ?? "");
      // 2 per second sustained, shown over the 2-second refill window of a 3-request burst.
      expect(res.headers.get("ratelimit-policy")).toBe('"per-key";q=4;w=2');
      if (res.status === 429) {
        expect(res.headers.get("retry-after")).toBe("1");
        expect(((await res.json()) as { code: string }).code).toBe("rate_limited");
      }
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(limits).toEqual([
      '"per-key";r=2;t=1',
      '"per-key";r=1;t=1',
      '"per-key";r=0;t=2',
      '"per-key";r=0;t=2',
    ]);
    // Another key has its own bucket.
    expect((await ws.fetch("/v2/contacts")).status).toBe(200);
    clock += 500; // one token at 2 per second
    expect((await limited.fetch("/v2/contacts")).status).toBe(200);
    expect((await limited.fetch("/v2/contacts")).status).toBe(429);
  });

  it("does not count operator routes or requests without a valid key", async () => {
    clock += 60_000;
    for (let i = 0; i < 5; i++) expect((await server.fetch("/healthz")).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await server.fetch("/v2/contacts")).status).toBe(401);
  });
});

it("every response of this file conforms to openapi.yaml", () => {
  expect(server.specProblems()).toEqual([]);
});
