/**
 * The contract suite: for every operation of both surfaces (/v2/contacts and /v2/identities) and
 * every response status documented in openapi.yaml, one real request that produces it, checked
 * against the spec. The list of pairs is read from the
 * spec, so documenting a new status without a case here fails the suite.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../src/logger.js";
import { createTestDatabase, postgresAvailable } from "./support/postgres-databases.js";
import { type Exchange, SpecValidator } from "./support/spec-validator.js";
import { startTcpProxy, type TcpProxy } from "./support/tcp-proxy.js";
import { startTestServer, type TestServer, type TestWorkspace } from "./support/test-server.js";

interface Context {
  server: TestServer;
  ws: TestWorkspace;
  /** A server whose database is closed under it: every store call fails. */
  broken: TestServer;
  brokenWs: TestWorkspace;
  /** A server allowing one request per key and hardly refilling: the key's token is spent. */
  limited: TestServer;
  limitedWs: TestWorkspace;
  /** A server whose list calls may examine only 3 rows: broad filters are refused. */
  narrow: TestServer;
  narrowWs: TestWorkspace;
  /** A server on PostgreSQL behind a proxy, cut once the workspace exists: no database answers. */
  unavailable: TestServer;
  unavailableWs: TestWorkspace;
}

const json = (body: unknown): RequestInit => ({
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});
const ndjson = (body: string): RequestInit => ({
  headers: { "content-type": "application/x-ndjson" },
  body,
});
const TOO_LARGE = JSON.stringify({ external_id: "big", display_name: "x".repeat(200 * 1024) });
let counter = 0;
const uniqueId = () => `contract_${++counter}`;

async function createOne(ctx: Context, externalId = uniqueId()): Promise<string> {
  const res = await ctx.ws.fetch("/v2/contacts", {
    method: "POST",
    ...json({ external_id: externalId }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { _id: string })._id;
}

/** The external_id of a contact, read back through the API. */
const externalIdOf = (ctx: Context) => async (id: string) =>
  ((await (await ctx.ws.fetch(`/v2/contacts/${id}`)).json()) as { external_id: string })
    .external_id;

/** `operationId status` → a request that must produce exactly that status. */
const CASES: Record<string, (ctx: Context) => Promise<Response>> = {
  "createContact 201": (ctx) =>
    ctx.ws.fetch("/v2/contacts", {
      method: "POST",
      ...json({
        external_id: uniqueId(),
        display_name: "Jane Smith",
        email: "jane.smith@example.com",
        avatar_url: "https://example.com/avatars/jane-smith.jpg",
        tags: ["premium", "beta-user", "enterprise"],
        metadata: { department: "Engineering", last_login: "2024-01-15T10:30:00Z" },
      }),
    }),
  "createContact 400": (ctx) =>
    ctx.ws.fetch("/v2/contacts", { method: "POST", ...json({ external_id: "x", email: "nope" }) }),
  "createContact 401": (ctx) =>
    ctx.server.fetch("/v2/contacts", { method: "POST", ...json({ external_id: "x" }) }),
  "createContact 409": async (ctx) => {
    const externalId = uniqueId();
    await createOne(ctx, externalId);
    return ctx.ws.fetch("/v2/contacts", { method: "POST", ...json({ external_id: externalId }) });
  },
  "createContact 413": (ctx) =>
    ctx.ws.fetch("/v2/contacts", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: TOO_LARGE,
    }),
  "createContact 415": (ctx) =>
    ctx.ws.fetch("/v2/contacts", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "external_id=x",
    }),
  "createContact 422": async (ctx) => {
    const headers = { "content-type": "application/json", "idempotency-key": uniqueId() };
    const first = { method: "POST", headers, body: JSON.stringify({ external_id: uniqueId() }) };
    expect((await ctx.ws.fetch("/v2/contacts", first)).status).toBe(201);
    return ctx.ws.fetch("/v2/contacts", {
      ...first,
      body: JSON.stringify({ external_id: uniqueId() }),
    });
  },
  "createContact 429": (ctx) =>
    ctx.limitedWs.fetch("/v2/contacts", { method: "POST", ...json({ external_id: "x" }) }),
  "createContact 500": (ctx) =>
    ctx.brokenWs.fetch("/v2/contacts", { method: "POST", ...json({ external_id: "x" }) }),

  "listContacts 200": (ctx) => ctx.ws.fetch("/v2/contacts?limit=2&include_metrics=true"),
  "listContacts 400": (ctx) => ctx.ws.fetch("/v2/contacts?limit=51"),
  "listContacts 401": (ctx) =>
    ctx.server.fetch("/v2/contacts", { headers: { authorization: "Bearer ck_wrong" } }),
  "listContacts 422": async (ctx) => {
    for (let i = 0; i < 5; i++) {
      const body = { external_id: `broad_${i}`, tags: ["common"] };
      const res = await ctx.narrowWs.fetch("/v2/contacts", { method: "POST", ...json(body) });
      expect(res.status).toBe(201);
    }
    // Every contact has the tag and the term, none both with "zz": the driver reads them all.
    return ctx.narrowWs.fetch("/v2/contacts?search=zz&tags=common");
  },
  "listContacts 429": (ctx) => ctx.limitedWs.fetch("/v2/contacts"),
  "listContacts 500": (ctx) => ctx.brokenWs.fetch("/v2/contacts"),

  "retrieveContact 200": async (ctx) => ctx.ws.fetch(`/v2/contacts/${await createOne(ctx)}`),
  "retrieveContact 304": async (ctx) => {
    const id = await createOne(ctx);
    const etag = (await ctx.ws.fetch(`/v2/contacts/${id}`)).headers.get("etag") as string;
    return ctx.ws.fetch(`/v2/contacts/${id}`, { headers: { "if-none-match": etag } });
  },
  "retrieveContact 400": (ctx) => ctx.ws.fetch(`/v2/contacts/${"x".repeat(121)}`),
  "retrieveContact 401": (ctx) => ctx.server.fetch("/v2/contacts/user_1"),
  "retrieveContact 404": (ctx) => ctx.ws.fetch("/v2/contacts/no_such_contact"),
  "retrieveContact 429": (ctx) => ctx.limitedWs.fetch("/v2/contacts/user_1"),
  "retrieveContact 500": (ctx) => ctx.brokenWs.fetch("/v2/contacts/user_1"),

  "updateContact 200": async (ctx) =>
    ctx.ws.fetch(`/v2/contacts/${await createOne(ctx)}`, {
      method: "PATCH",
      ...json({ display_name: "Jane Doe" }),
    }),
  "updateContact 400": async (ctx) =>
    ctx.ws.fetch(`/v2/contacts/${await createOne(ctx)}`, {
      method: "PATCH",
      ...json({ external_id: "changed" }),
    }),
  "updateContact 401": (ctx) =>
    ctx.server.fetch("/v2/contacts/user_1", { method: "PATCH", ...json({}) }),
  "updateContact 404": (ctx) =>
    ctx.ws.fetch("/v2/contacts/no_such_contact", {
      method: "PATCH",
      ...json({ display_name: "x" }),
    }),
  "updateContact 412": async (ctx) =>
    ctx.ws.fetch(`/v2/contacts/${await createOne(ctx)}`, {
      method: "PATCH",
      headers: { "content-type": "application/json", "if-match": '"stale.0"' },
      body: JSON.stringify({ display_name: "x" }),
    }),
  "updateContact 413": (ctx) =>
    ctx.ws.fetch("/v2/contacts/user_1", {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: TOO_LARGE,
    }),
  "updateContact 415": (ctx) =>
    ctx.ws.fetch("/v2/contacts/user_1", {
      method: "PATCH",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "display_name=x",
    }),
  "updateContact 429": (ctx) =>
    ctx.limitedWs.fetch("/v2/contacts/user_1", { method: "PATCH", ...json({ display_name: "x" }) }),
  "updateContact 500": (ctx) =>
    ctx.brokenWs.fetch("/v2/contacts/user_1", { method: "PATCH", ...json({ display_name: "x" }) }),

  "deleteContact 204": async (ctx) =>
    ctx.ws.fetch(`/v2/contacts/${await createOne(ctx)}`, { method: "DELETE" }),
  "deleteContact 400": (ctx) =>
    ctx.ws.fetch(`/v2/contacts/${"x".repeat(121)}`, { method: "DELETE" }),
  "deleteContact 401": (ctx) => ctx.server.fetch("/v2/contacts/user_1", { method: "DELETE" }),
  "deleteContact 404": (ctx) => ctx.ws.fetch("/v2/contacts/no_such_contact", { method: "DELETE" }),
  "deleteContact 412": async (ctx) =>
    ctx.ws.fetch(`/v2/contacts/${await createOne(ctx)}`, {
      method: "DELETE",
      headers: { "if-match": '"stale.0"' },
    }),
  "deleteContact 429": (ctx) => ctx.limitedWs.fetch("/v2/contacts/user_1", { method: "DELETE" }),
  "deleteContact 500": (ctx) => ctx.brokenWs.fetch("/v2/contacts/user_1", { method: "DELETE" }),

  "importContacts 200": (ctx) =>
    ctx.ws.fetch("/v2/contacts/import?mode=upsert", {
      method: "POST",
      ...ndjson(
        `{"external_id":"${uniqueId()}","tags":["a"]}\n{"external_id":"","email":"nope"}\nnot json\n`,
      ),
    }),
  "importContacts 400": (ctx) =>
    ctx.ws.fetch("/v2/contacts/import?mode=merge", { method: "POST", ...ndjson("{}\n") }),
  "importContacts 401": (ctx) =>
    ctx.server.fetch("/v2/contacts/import", { method: "POST", ...ndjson("{}\n") }),
  "importContacts 413": (ctx) =>
    ctx.ws.fetch("/v2/contacts/import", {
      method: "POST",
      ...ndjson(`${JSON.stringify({ external_id: "big", display_name: "x" })}\n`.repeat(40_000)),
    }),
  "importContacts 415": (ctx) =>
    ctx.ws.fetch("/v2/contacts/import", { method: "POST", ...json({ external_id: "x" }) }),
  "importContacts 429": (ctx) =>
    ctx.limitedWs.fetch("/v2/contacts/import", {
      method: "POST",
      ...ndjson('{"external_id":"x"}\n'),
    }),
  "importContacts 500": (ctx) =>
    ctx.brokenWs.fetch("/v2/contacts/import", {
      method: "POST",
      ...ndjson('{"external_id":"x"}\n'),
    }),

  "exportContacts 200": (ctx) => ctx.ws.fetch("/v2/contacts/export"),
  "exportContacts 400": (ctx) => ctx.ws.fetch("/v2/contacts/export?limit=10"),
  "exportContacts 401": (ctx) => ctx.server.fetch("/v2/contacts/export"),
  "exportContacts 429": (ctx) => ctx.limitedWs.fetch("/v2/contacts/export"),
  "exportContacts 500": (ctx) => ctx.brokenWs.fetch("/v2/contacts/export"),

  "recordUsage 200": (ctx) =>
    ctx.ws.fetch("/v2/usage", { method: "POST", ...json({ events: [usageEvent()] }) }),
  "recordUsage 400": (ctx) =>
    ctx.ws.fetch("/v2/usage", {
      method: "POST",
      ...json({ events: [usageEvent(), { ...usageEvent(), cost: -1 }] }),
    }),
  "recordUsage 401": (ctx) =>
    ctx.server.fetch("/v2/usage", { method: "POST", ...json({ events: [usageEvent()] }) }),
  "recordUsage 413": (ctx) =>
    ctx.ws.fetch("/v2/usage", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ events: [{ ...usageEvent(), model: "x".repeat(2 * 1024 * 1024) }] }),
    }),
  "recordUsage 415": (ctx) =>
    ctx.ws.fetch("/v2/usage", {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: "id,contact\n1,user_1",
    }),
  "recordUsage 422": (ctx) =>
    ctx.ws.fetch("/v2/usage", {
      method: "POST",
      ...json({ events: [{ ...usageEvent(), contact: "contact_01ARZ3NDEKTSV4RRFFQ69G5FAV" }] }),
    }),
  "recordUsage 429": (ctx) =>
    ctx.limitedWs.fetch("/v2/usage", { method: "POST", ...json({ events: [usageEvent()] }) }),
  "recordUsage 500": (ctx) =>
    ctx.brokenWs.fetch("/v2/usage", { method: "POST", ...json({ events: [usageEvent()] }) }),

  "retrieveContactUsage 200": async (ctx) => {
    const event = usageEvent();
    const recorded = await ctx.ws.fetch("/v2/usage", {
      method: "POST",
      ...json({ events: [event] }),
    });
    expect(recorded.status).toBe(200);
    return ctx.ws.fetch(`/v2/contacts/${event.contact}/usage?granularity=hour`);
  },
  "retrieveContactUsage 400": (ctx) => ctx.ws.fetch("/v2/contacts/user_1/usage?granularity=week"),
  "retrieveContactUsage 401": (ctx) => ctx.server.fetch("/v2/contacts/user_1/usage"),
  "retrieveContactUsage 404": (ctx) => ctx.ws.fetch("/v2/contacts/no_such_contact/usage"),
  "retrieveContactUsage 429": (ctx) => ctx.limitedWs.fetch("/v2/contacts/user_1/usage"),
  "retrieveContactUsage 500": (ctx) => ctx.brokenWs.fetch("/v2/contacts/user_1/usage"),

  "listTopContacts 200": async (ctx) => {
    const recorded = await ctx.ws.fetch("/v2/usage", {
      method: "POST",
      ...json({ events: [usageEvent(), usageEvent()] }),
    });
    expect(recorded.status).toBe(200);
    return ctx.ws.fetch("/v2/usage/top?by=tokens&limit=5");
  },
  "listTopContacts 400": (ctx) => ctx.ws.fetch("/v2/usage/top?limit=101"),
  "listTopContacts 401": (ctx) => ctx.server.fetch("/v2/usage/top"),
  "listTopContacts 429": (ctx) => ctx.limitedWs.fetch("/v2/usage/top"),
  "listTopContacts 500": (ctx) => ctx.brokenWs.fetch("/v2/usage/top"),
  "createIdentity 201": (ctx) =>
    ctx.ws.fetch("/v2/identities", {
      method: "POST",
      ...json({ external_id: uniqueId(), display_name: "Jane Smith", tags: ["premium"] }),
    }),
  "createIdentity 400": (ctx) =>
    ctx.ws.fetch("/v2/identities", { method: "POST", ...json({ external_id: "" }) }),
  "createIdentity 401": (ctx) =>
    ctx.server.fetch("/v2/identities", { method: "POST", ...json({ external_id: "x" }) }),
  "createIdentity 409": async (ctx) =>
    ctx.ws.fetch("/v2/identities", {
      method: "POST",
      ...json({ external_id: await createOne(ctx).then(externalIdOf(ctx)) }),
    }),
  "createIdentity 413": (ctx) =>
    ctx.ws.fetch("/v2/identities", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: TOO_LARGE,
    }),
  "createIdentity 415": (ctx) =>
    ctx.ws.fetch("/v2/identities", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "external_id=x",
    }),
  "createIdentity 422": async (ctx) => {
    const headers = { "content-type": "application/json", "idempotency-key": uniqueId() };
    const first = { method: "POST", headers, body: JSON.stringify({ external_id: uniqueId() }) };
    expect((await ctx.ws.fetch("/v2/identities", first)).status).toBe(201);
    return ctx.ws.fetch("/v2/identities", {
      ...first,
      body: JSON.stringify({ external_id: uniqueId() }),
    });
  },
  "createIdentity 429": (ctx) =>
    ctx.limitedWs.fetch("/v2/identities", { method: "POST", ...json({ external_id: "x" }) }),
  "createIdentity 500": (ctx) =>
    ctx.brokenWs.fetch("/v2/identities", { method: "POST", ...json({ external_id: "x" }) }),

  "listIdentities 200": async (ctx) => {
    await createOne(ctx);
    return ctx.ws.fetch(
      "/v2/identities?limit=2&include_metrics=true&include_budget=true&sort_by=IDENTITY_SORT_FIELD_DISPLAY_NAME&filter_by.tags=a&filter_by.tags=b",
    );
  },
  "listIdentities 400": (ctx) => ctx.ws.fetch("/v2/identities?sort_by=IDENTITY_SORT_FIELD_NAME"),
  "listIdentities 401": (ctx) =>
    ctx.server.fetch("/v2/identities", { headers: { authorization: "Bearer ck_wrong" } }),
  "listIdentities 422": async (ctx) => {
    for (let i = 0; i < 5; i++) {
      const body = { external_id: `broad_identity_${i}`, tags: ["common"] };
      const res = await ctx.narrowWs.fetch("/v2/identities", { method: "POST", ...json(body) });
      expect(res.status).toBe(201);
    }
    // Sorted by name, every identity has the tag, none the term: the scan passes the bound (3).
    return ctx.narrowWs.fetch(
      "/v2/identities?filter_by.tags=common&search=zz&sort_by=IDENTITY_SORT_FIELD_DISPLAY_NAME",
    );
  },
  "listIdentities 429": (ctx) => ctx.limitedWs.fetch("/v2/identities"),
  "listIdentities 500": (ctx) => ctx.brokenWs.fetch("/v2/identities"),

  "retrieveIdentity 200": async (ctx) =>
    ctx.ws.fetch(`/v2/identities/${await createOne(ctx)}?include_metrics=true`),
  "retrieveIdentity 304": async (ctx) => {
    const id = await createOne(ctx);
    const etag = (await ctx.ws.fetch(`/v2/identities/${id}`)).headers.get("etag") as string;
    return ctx.ws.fetch(`/v2/identities/${id}`, { headers: { "if-none-match": etag } });
  },
  "retrieveIdentity 400": (ctx) => ctx.ws.fetch("/v2/identities/user_1?include_metrics=maybe"),
  "retrieveIdentity 401": (ctx) => ctx.server.fetch("/v2/identities/user_1"),
  "retrieveIdentity 404": (ctx) => ctx.ws.fetch("/v2/identities/no_such_identity"),
  "retrieveIdentity 429": (ctx) => ctx.limitedWs.fetch("/v2/identities/user_1"),
  "retrieveIdentity 500": (ctx) => ctx.brokenWs.fetch("/v2/identities/user_1"),

  "updateIdentity 200": async (ctx) =>
    ctx.ws.fetch(`/v2/identities/${await createOne(ctx)}`, {
      method: "PATCH",
      ...json({ display_name: "Jane Doe", email: null }),
    }),
  "updateIdentity 400": async (ctx) =>
    ctx.ws.fetch(`/v2/identities/${await createOne(ctx)}`, {
      method: "PATCH",
      ...json({ workspace_id: "changed" }),
    }),
  "updateIdentity 401": (ctx) =>
    ctx.server.fetch("/v2/identities/user_1", { method: "PATCH", ...json({}) }),
  "updateIdentity 404": (ctx) =>
    ctx.ws.fetch("/v2/identities/no_such_identity", {
      method: "PATCH",
      ...json({ display_name: "x" }),
    }),
  "updateIdentity 412": async (ctx) =>
    ctx.ws.fetch(`/v2/identities/${await createOne(ctx)}`, {
      method: "PATCH",
      headers: { "content-type": "application/json", "if-match": '"stale.0"' },
      body: JSON.stringify({ display_name: "x" }),
    }),
  "updateIdentity 413": (ctx) =>
    ctx.ws.fetch("/v2/identities/user_1", {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: TOO_LARGE,
    }),
  "updateIdentity 415": (ctx) =>
    ctx.ws.fetch("/v2/identities/user_1", {
      method: "PATCH",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "display_name=x",
    }),
  "updateIdentity 429": (ctx) =>
    ctx.limitedWs.fetch("/v2/identities/user_1", {
      method: "PATCH",
      ...json({ display_name: "x" }),
    }),
  "updateIdentity 500": (ctx) =>
    ctx.brokenWs.fetch("/v2/identities/user_1", {
      method: "PATCH",
      ...json({ display_name: "x" }),
    }),

  "deleteIdentity 200": async (ctx) =>
    ctx.ws.fetch(`/v2/identities/${await createOne(ctx)}`, { method: "DELETE" }),
  "deleteIdentity 400": (ctx) =>
    ctx.ws.fetch(`/v2/identities/${"x".repeat(121)}`, { method: "DELETE" }),
  "deleteIdentity 401": (ctx) => ctx.server.fetch("/v2/identities/user_1", { method: "DELETE" }),
  "deleteIdentity 404": (ctx) =>
    ctx.ws.fetch("/v2/identities/no_such_identity", { method: "DELETE" }),
  "deleteIdentity 412": async (ctx) =>
    ctx.ws.fetch(`/v2/identities/${await createOne(ctx)}`, {
      method: "DELETE",
      headers: { "if-match": '"stale.0"' },
    }),
  "deleteIdentity 429": (ctx) => ctx.limitedWs.fetch("/v2/identities/user_1", { method: "DELETE" }),
  "deleteIdentity 500": (ctx) => ctx.brokenWs.fetch("/v2/identities/user_1", { method: "DELETE" }),
};

/** A valid usage event for a new external_id, stamped now. */
function usageEvent() {
  const n = ++counter;
  return {
    id: `evt_${n}`,
    contact: `usage_user_${n}`,
    timestamp: new Date().toISOString(),
    cost: 0.00042,
    tokens: 1250,
    model: "gpt-4o-mini",
  };
}

// 503: each operation's 500 request, sent to the server whose database went away.
for (const pair of Object.keys(CASES).filter((p) => p.endsWith(" 500"))) {
  const failing = CASES[pair] as (c: Context) => Promise<Response>;
  CASES[pair.replace(/ 500$/, " 503")] = (c) => failing({ ...c, brokenWs: c.unavailableWs });
}

/** Every `operationId status` pair the spec documents. */
function documentedPairs(validator: SpecValidator): string[] {
  type Operation = { operationId?: string; responses?: object };
  return Object.values(validator.spec.paths).flatMap((pathItem) =>
    Object.values(pathItem as Record<string, Operation>)
      .filter((operation) => operation?.operationId)
      .flatMap((operation) =>
        Object.keys(operation.responses ?? {}).map(
          (status) => `${operation.operationId} ${status}`,
        ),
      ),
  );
}

const validator = new SpecValidator();
const ctx = {} as Context;
const unexpectedErrors: string[] = [];
const unavailableWarnings: string[] = [];
/** The 503 cases take a PostgreSQL database away from a server, whichever store the suite runs on. */
const postgres = await postgresAvailable("contract suite's 503 cases");
let unavailableDatabase: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
let proxy: TcpProxy | undefined;

/** The unavailable server's database back for one authenticated request, then cut again. */
async function authenticateThenCut(): Promise<void> {
  proxy?.restore();
  const res = await ctx.unavailableWs.fetch("/v2/contacts?limit=1");
  expect(res.status).toBe(200);
  proxy?.cut();
}

/** A server on its own PostgreSQL database through a proxy, and a workspace; then the cut. */
async function startUnavailableServer(): Promise<void> {
  unavailableDatabase = await createTestDatabase();
  const target = new URL(unavailableDatabase.url);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const through = new URL(unavailableDatabase.url);
  through.host = new URL(proxy.url("postgres")).host;
  ctx.unavailable = await startTestServer({
    postgresUrl: through.toString(),
    logger: createLogger("warn", { write: (line) => unavailableWarnings.push(line) }),
  });
  ctx.unavailableWs = await ctx.unavailable.workspace();
  proxy.cut();
}

beforeAll(async () => {
  // A small import limit, so that the 413 case sends 2 MB rather than 64 MiB.
  ctx.server = await startTestServer({ importBodyLimitBytes: 1024 * 1024 });
  ctx.ws = await ctx.server.workspace();
  ctx.broken = await startTestServer({
    logger: createLogger("error", { write: (line) => unexpectedErrors.push(line) }),
  });
  ctx.brokenWs = await ctx.broken.workspace();
  await ctx.broken.stores.close();
  ctx.limited = await startTestServer({ rateLimit: { requestsPerSecond: 0.0001, burst: 1 } });
  ctx.limitedWs = await ctx.limited.workspace();
  ctx.narrow = await startTestServer({ maxExaminedRows: 3 });
  ctx.narrowWs = await ctx.narrow.workspace();
  expect((await ctx.limitedWs.fetch("/v2/contacts")).status).toBe(200);
  if (postgres) await startUnavailableServer();
});
afterAll(async () => {
  await ctx.server.close();
  await ctx.broken.close();
  await ctx.limited.close();
  await ctx.narrow.close();
  await ctx.unavailable?.close();
  await proxy?.close();
  await unavailableDatabase?.drop();
});

describe("the contract suite", () => {
  it("has a case for every documented status, and none for an undocumented one", () => {
    expect(Object.keys(CASES).sort()).toEqual(documentedPairs(validator).sort());
  });

  const producesIt = async (pair: string) => {
    const status = Number(pair.split(" ")[1]);
    const server =
      status === 500
        ? ctx.broken
        : status === 503
          ? ctx.unavailable
          : status === 429
            ? ctx.limited
            : pair === "listContacts 422" || pair === "listIdentities 422"
              ? ctx.narrow
              : ctx.server;
    // The key's success is remembered for 500 ms: authenticated through the database just
    // before the cut, the request reaches its operation's own store calls, which get the 503.
    if (status === 503) await authenticateThenCut();
    const before = server.exchanges.length;
    const response = await (CASES[pair] as (c: Context) => Promise<Response>)(ctx);
    expect(response.status).toBe(status);
    const exchange = server.exchanges.at(-1) as Exchange;
    expect(server.exchanges.length).toBeGreaterThan(before);
    expect(validator.problemsOf(exchange)).toEqual([]);
  };
  const pairs = Object.keys(CASES);
  it.each(pairs.filter((pair) => !pair.endsWith(" 503")))(
    "%s: a real request produces it, and the response conforms",
    producesIt,
  );
  it.skipIf(!postgres).each(pairs.filter((pair) => pair.endsWith(" 503")))(
    "%s: a real request produces it, and the response conforms",
    producesIt,
  );

  it("gives a 201 the Location of the new contact", async () => {
    const id = await createOne(ctx);
    const located = ctx.server.exchanges.at(-1) as Exchange;
    expect(located.headers.get("location")).toBe(`/v2/contacts/${id}`);
  });

  it("gives an identity's 201 the Location under /v2/identities", async () => {
    const res = await ctx.ws.fetch("/v2/identities", {
      method: "POST",
      ...json({ external_id: uniqueId() }),
    });
    const { identity } = (await res.json()) as { identity: { _id: string } };
    expect(res.headers.get("location")).toBe(`/v2/identities/${identity._id}`);
  });

  it("covers both surfaces", () => {
    const operations = new Set(Object.keys(CASES).map((pair) => pair.split(" ")[0]));
    expect(
      [...operations].filter((op) => op?.endsWith("Identity") || op === "listIdentities"),
    ).toHaveLength(5);
  });

  it("answers a 500 without internals and logs it once with its stack", () => {
    const failures = ctx.broken.exchanges.filter((e) => e.status === 500);
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) {
      expect(failure.body).toMatchObject({
        code: "internal_error",
        message: "Internal server error",
      });
      expect(JSON.stringify(failure.body)).not.toMatch(/database|sqlite|stack/i);
    }
    expect(unexpectedErrors).toHaveLength(failures.length);
    const logged = JSON.parse(unexpectedErrors[0] as string) as {
      err: { stack: string };
      request_id: string;
    };
    // The closed database's own words: better-sqlite3's, or pg's pool.
    expect(logged.err.stack).toMatch(
      /database connection is not open|Cannot use a pool after calling end/,
    );
    expect(failures.map((f) => (f.body as { request_id: string }).request_id)).toContain(
      logged.request_id,
    );
  });

  it.skipIf(!postgres)(
    "answers a 503 with Retry-After when the database does not answer, and logs a warning",
    () => {
      const refused = ctx.unavailable.exchanges.filter((e) => e.status === 503);
      expect(refused.length).toBeGreaterThanOrEqual(15);
      for (const exchange of refused) {
        expect(exchange.headers.get("retry-after")).toBe("2");
        expect(exchange.body).toMatchObject({ code: "service_unavailable" });
        expect(JSON.stringify(exchange.body)).not.toMatch(/ECONN|terminated|stack/i);
      }
      const warnings = unavailableWarnings.map(
        (line) => JSON.parse(line) as { msg: string; request_id: string; err: { message: string } },
      );
      const logged = warnings.filter((w) => w.msg === "database unavailable");
      expect(logged).toHaveLength(refused.length);
      // The driver's own words, for the operator: the connection that went away.
      expect(logged[0]?.err.message).toMatch(/Connection terminated|ECONNRESET|ECONNREFUSED/);
    },
  );

  it("leaves no response of the suite outside the spec", () => {
    expect(ctx.server.specProblems()).toEqual([]);
    expect(ctx.broken.specProblems()).toEqual([]);
    expect(ctx.limited.specProblems()).toEqual([]);
    expect(ctx.narrow.specProblems()).toEqual([]);
    expect(ctx.unavailable?.specProblems() ?? []).toEqual([]);
  });
});

describe("the spec check itself", () => {
  const base = {
    method: "GET",
    url: "http://x/v2/contacts/user_1",
    headers: new Headers({ "request-id": "r", "content-type": "application/json" }),
  };
  it.each<[string, Exchange, RegExp]>([
    ["an undocumented status", { ...base, status: 418, body: {} }, /status not documented/],
    [
      "a missing required field",
      { ...base, status: 200, body: { _id: "contact_01ARZ3NDEKTSV4RRFFQ69G5FAV" } },
      /must have required property/,
    ],
    [
      "an error without its code",
      { ...base, status: 404, body: { error: "x", message: "x", request_id: "r" } },
      /code/,
    ],
    [
      "no Request-Id header",
      {
        ...base,
        headers: new Headers({ "content-type": "application/json" }),
        status: 404,
        body: { error: "x", code: "not_found", message: "x", request_id: "r" },
      },
      /Request-Id/,
    ],
    ["a body on a 204", { ...base, method: "DELETE", status: 204, body: "x" }, /has a body/],
    [
      "a body on a HEAD",
      { ...base, method: "HEAD", status: 200, body: "x" },
      /HEAD answer has a body/,
    ],
  ])("catches %s", (_name, exchange, problem) => {
    expect(validator.problemsOf(exchange).join("\n")).toMatch(problem);
  });
});
