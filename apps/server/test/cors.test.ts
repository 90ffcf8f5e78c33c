/**
 * CORS over HTTP, as a browser would see it: off by default; with CORS_ORIGINS, preflights from a
 * listed origin are answered before auth, and every response to it (errors included) lets the
 * page read it and the headers it needs; other origins get no CORS headers. The browser itself
 * runs in cors-browser.test.ts. A wildcard stops the server at start.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS } from "../src/http/cors.js";
import { processRunner } from "./support/server-process.js";
import { startTestServer, type TestServer, type TestWorkspace } from "./support/test-server.js";

const APP = "https://app.example.com";
const OTHER = "https://evil.example.com";
let server: TestServer;
let plain: TestServer;

beforeAll(async () => {
  // Two requests per key, then throttled: enough to see a 429 carry the CORS headers.
  server = await startTestServer({
    corsOrigins: [APP, "http://localhost:5173"],
    rateLimit: { requestsPerSecond: 0.0001, burst: 2 },
  });
  plain = await startTestServer();
});
afterAll(async () => {
  await server.close();
  await plain.close();
});

const preflight = (origin: string, method = "POST", headers = "authorization,content-type") => ({
  method: "OPTIONS",
  headers: {
    origin,
    "access-control-request-method": method,
    "access-control-request-headers": headers,
  },
});

const list = (header: string | null) => (header ?? "").split(/,\s*/).map((h) => h.toLowerCase());

describe("with CORS_ORIGINS", () => {
  it.each(["/v2/contacts", "/v2/contacts/user_1"])(
    "answers a preflight to %s from a listed origin with 204, before auth",
    async (path) => {
      const res = await server.fetch(path, preflight(APP, "PATCH", "authorization,if-match"));
      expect(res.status).toBe(204);
      expect(res.headers.get("access-control-allow-origin")).toBe(APP);
      expect(list(res.headers.get("access-control-allow-methods"))).toEqual(
        expect.arrayContaining(["get", "head", "post", "patch", "delete"]),
      );
      expect(list(res.headers.get("access-control-allow-headers"))).toEqual(
        CORS_ALLOWED_HEADERS.map((h) => h.toLowerCase()),
      );
      expect(res.headers.get("access-control-max-age")).toBe("600");
      expect(list(res.headers.get("vary"))).toContain("origin");
      expect(res.headers.get("access-control-allow-credentials")).toBeNull();
      expect(await res.text()).toBe("");
    },
  );

  it("allows every request header the client sends", () => {
    expect(CORS_ALLOWED_HEADERS).toEqual(
      expect.arrayContaining([
        "Authorization",
        "Content-Type",
        "Idempotency-Key",
        "If-Match",
        "If-None-Match",
        "X-Contacts-Client",
      ]),
    );
  });

  it("does not answer a preflight from an origin not listed", async () => {
    const res = await server.fetch("/v2/contacts", preflight(OTHER));
    expect(res.status).toBe(401);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(list(res.headers.get("vary"))).toContain("origin");
  });

  describe("lets a listed origin read every answer, errors included", () => {
    let ws: TestWorkspace;
    beforeAll(async () => {
      ws = await server.workspace();
    });

    const expectReadable = (res: Response) => {
      expect(res.headers.get("access-control-allow-origin")).toBe(APP);
      expect(list(res.headers.get("vary"))).toContain("origin");
      expect(list(res.headers.get("access-control-expose-headers"))).toEqual(
        CORS_EXPOSED_HEADERS.map((h) => h.toLowerCase()),
      );
      expect(res.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
    };

    it("a 201, a 429, a 401 and a 404 route_not_found", async () => {
      const created = await ws.fetch("/v2/contacts", {
        method: "POST",
        headers: { origin: APP, "content-type": "application/json" },
        body: JSON.stringify({ external_id: "cors-1" }),
      });
      expect(created.status).toBe(201);
      expectReadable(created);
      const second = await ws.fetch("/v2/v2/contacts", { headers: { origin: APP } });
      expect(second.status).toBe(404);
      expectReadable(second);
      const throttled = await ws.fetch("/v2/contacts", { headers: { origin: APP } });
      expect(throttled.status).toBe(429);
      expectReadable(throttled);
      const anonymous = await server.fetch("/v2/contacts", { headers: { origin: APP } });
      expect(anonymous.status).toBe(401);
      expectReadable(anonymous);
    });

    it("exposes the headers a page needs: request id, ETag, rate limit, Location, replay", () => {
      expect(CORS_EXPOSED_HEADERS).toEqual(
        expect.arrayContaining([
          "Request-Id",
          "ETag",
          "RateLimit",
          "RateLimit-Policy",
          "Retry-After",
          "Location",
          "Idempotent-Replayed",
        ]),
      );
    });
  });

  it("gives another origin no CORS headers, and keeps the same-origin resource policy", async () => {
    const res = await server.fetch("/healthz", { headers: { origin: OTHER } });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(res.headers.get("access-control-expose-headers")).toBeNull();
    expect(res.headers.get("cross-origin-resource-policy")).toBe("same-origin");
    expect(list(res.headers.get("vary"))).toContain("origin");
  });
});

describe("without CORS_ORIGINS (the default)", () => {
  it("sends no CORS header, and a preflight goes through auth like any request", async () => {
    const ws = await plain.workspace();
    const res = await ws.fetch("/v2/contacts", { headers: { origin: APP } });
    expect(res.status).toBe(200);
    for (const name of res.headers.keys()) expect(name).not.toMatch(/^access-control-/);
    expect(res.headers.get("vary")).toBeNull();
    const pre = await plain.fetch("/v2/contacts", preflight(APP));
    expect(pre.status).toBe(401);
    expect(pre.headers.get("access-control-allow-origin")).toBeNull();
  });
});

it("every response of this file conforms to openapi.yaml", () => {
  // Preflights (OPTIONS) are CORS, not operations of the spec.
  const problems = [...server.specProblems(), ...plain.specProblems()].filter(
    (problem) => !problem.startsWith("OPTIONS "),
  );
  expect(problems).toEqual([]);
});

describe("at start", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "contacts-cors-"));
  const { run, killAll } = processRunner({
    DATABASE_URL: join(dataDir, "contacts.db"),
    PORT: "0",
    HOST: "127.0.0.1",
  });
  afterAll(() => {
    killAll();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("refuses CORS_ORIGINS=* in one clear line, before opening anything", async () => {
    const proc = run("src/main.ts", [], { CORS_ORIGINS: "*" });
    expect(await proc.exited).toBe(1);
    expect(proc.err()).toMatch(/CORS_ORIGINS must list exact origins.*wildcard/);
    expect(readdirSync(dataDir)).toEqual([]);
  });
});
