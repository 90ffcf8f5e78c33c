/**
 * The request log names the spec route and operationId of every /v2 request, refused ones
 * included (auth, rate limit, validation, idempotency replays and 422s, HEAD), and never a
 * concrete path, a key or a value; at debug level a 400 says which fields failed, by path only.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../src/logger.js";
import { startTestServer, type TestServer, type TestWorkspace } from "./support/test-server.js";

interface Line {
  level: string;
  msg: string;
  request_id: string;
  method: string;
  route: string;
  operation: string;
  status: number;
  code?: string;
  fields?: string[];
}

const lines: string[] = [];
let server: TestServer;
let ws: TestWorkspace;
/** One request per key and hardly any refill: its second request is throttled. */
let limited: TestServer;
let limitedWs: TestWorkspace;

beforeAll(async () => {
  const logger = createLogger("debug", { write: (line) => lines.push(line) });
  server = await startTestServer({ logger });
  ws = await server.workspace();
  limited = await startTestServer({ logger, rateLimit: { requestsPerSecond: 0.0001, burst: 1 } });
  limitedWs = await limited.workspace();
});
afterAll(async () => {
  await server.close();
  await limited.close();
});

/** The log lines of the request a response answered, by its Request-Id. */
function linesOf(res: Response): Line[] {
  const id = res.headers.get("request-id");
  return lines.map((line) => JSON.parse(line) as Line).filter((line) => line.request_id === id);
}

function requestLine(res: Response): Line {
  const found = linesOf(res).filter((line) => line.msg === "request");
  expect(found).toHaveLength(1);
  return found[0] as Line;
}

const SECRET_EMAIL = "not-an-email-but-private";
const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});

describe("every /v2 request is logged with its route template and operationId", () => {
  it.each<[string, () => Promise<Response>, Partial<Line>]>([
    [
      "a success",
      () => ws.fetch("/v2/contacts", json({ external_id: "log-ok" })),
      { route: "/v2/contacts", operation: "createContact", status: 201 },
    ],
    [
      "a refusal by auth",
      () => server.fetch("/v2/contacts/log-ok", { method: "DELETE" }),
      { route: "/v2/contacts/{id}", operation: "deleteContact", status: 401 },
    ],
    [
      "a refusal by validation",
      () => ws.fetch("/v2/contacts?limit=99"),
      { route: "/v2/contacts", operation: "listContacts", status: 400 },
    ],
    [
      "a refused media type",
      () =>
        ws.fetch("/v2/contacts/log-ok", {
          method: "PATCH",
          headers: { "content-type": "text/plain" },
          body: "x",
        }),
      { route: "/v2/contacts/{id}", operation: "updateContact", status: 415 },
    ],
    [
      "a missing contact",
      () => ws.fetch("/v2/contacts/log-missing"),
      { route: "/v2/contacts/{id}", operation: "retrieveContact", status: 404 },
    ],
    [
      "a HEAD, under its own method",
      () => ws.fetch("/v2/contacts/log-ok", { method: "HEAD" }),
      { method: "HEAD", route: "/v2/contacts/{id}", operation: "retrieveContact", status: 200 },
    ],
    [
      "a method the route lacks",
      () => ws.fetch("/v2/contacts", { method: "PUT" }),
      { route: "/v2/contacts", operation: "(none)", status: 405 },
    ],
    [
      "a path outside the spec",
      () => ws.fetch("/v2/v2/contacts"),
      { route: "(no route)", operation: "(none)", status: 404 },
    ],
  ])("%s", async (_name, request, want) => {
    expect(requestLine(await request())).toMatchObject({ level: "info", ...want });
  });

  it("an idempotent replay and a reused key (422)", async () => {
    const key = { "idempotency-key": "log-key-1" };
    await ws.fetch("/v2/contacts", json({ external_id: "log-idem" }, key));
    const replay = await ws.fetch("/v2/contacts", json({ external_id: "log-idem" }, key));
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(requestLine(replay)).toMatchObject({ operation: "createContact", status: 201 });
    const reused = await ws.fetch("/v2/contacts", json({ external_id: "log-other" }, key));
    expect(requestLine(reused)).toMatchObject({
      route: "/v2/contacts",
      operation: "createContact",
      status: 422,
    });
  });

  it("a refusal by the rate limit", async () => {
    await limitedWs.fetch("/v2/contacts");
    const throttled = await limitedWs.fetch("/v2/contacts/anyone");
    expect(requestLine(throttled)).toMatchObject({
      route: "/v2/contacts/{id}",
      operation: "retrieveContact",
      status: 429,
    });
  });

  it("never logs a concrete path, a key or a value", () => {
    const text = lines.join("\n");
    expect(text).not.toContain("log-ok");
    expect(text).not.toContain(ws.apiKey);
    expect(text).not.toContain(SECRET_EMAIL);
  });
});

describe("at debug level, a 400 names the fields that failed", () => {
  it("by their paths, without their values", async () => {
    const res = await ws.fetch(
      "/v2/contacts",
      json({ external_id: "log-bad", email: SECRET_EMAIL, colour: "red" }),
    );
    expect(res.status).toBe(400);
    const refused = linesOf(res).find((line) => line.msg === "request refused");
    expect(refused).toMatchObject({
      level: "debug",
      route: "/v2/contacts",
      operation: "createContact",
      code: "validation_failed",
    });
    expect(refused?.fields?.sort()).toEqual(["/body/colour", "/body/email"]);
    expect(JSON.stringify(refused)).not.toContain(SECRET_EMAIL);
    expect(JSON.stringify(refused)).not.toContain("red");
  });

  it("and says nothing of it at info level", async () => {
    const quiet: string[] = [];
    const infoServer = await startTestServer({
      logger: createLogger("info", { write: (line) => quiet.push(line) }),
    });
    const infoWs = await infoServer.workspace();
    const res = await infoWs.fetch("/v2/contacts", json({ external_id: "x", email: "nope" }));
    expect(res.status).toBe(400);
    await infoServer.close();
    expect(quiet.join("\n")).not.toContain("request refused");
    expect(quiet.join("\n")).toContain('"status":400');
  });
});
