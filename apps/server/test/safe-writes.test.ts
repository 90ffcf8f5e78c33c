/**
 * Safe writes: Idempotency-Key on create (replay, reuse, in-flight, expiry, restart) and optimistic
 * concurrency with ETag / If-Match / If-None-Match, under real concurrency on a real server.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestFingerprint } from "../src/idempotency/idempotency-middleware.js";
import {
  IDEMPOTENCY_RETENTION_MS,
  IDEMPOTENCY_STALE_CLAIM_MS,
} from "../src/idempotency/idempotency-store.js";
import {
  durableDatabase,
  startTestServer,
  type TestServer,
  type TestWorkspace,
} from "./support/test-server.js";

let clock = Date.parse("2026-03-01T00:00:00.000Z");
const now = () => clock;
const dataDir = mkdtempSync(join(tmpdir(), "contacts-safe-writes-"));
let server: TestServer;
let ws: TestWorkspace;
let database: Awaited<ReturnType<typeof durableDatabase>>;

beforeAll(async () => {
  // On a database with a life of its own (a file on SQLite), as the server runs.
  database = await durableDatabase(dataDir, "contacts.db");
  server = await startTestServer({ ...database.options, now });
  ws = await server.workspace();
});
afterAll(async () => {
  await server.close();
  await database.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

let counter = 0;
const unique = (prefix: string) => `${prefix}_${++counter}`;

function create(body: unknown, key?: string, workspace: TestWorkspace = ws) {
  return workspace.fetch("/v2/contacts", {
    method: "POST",
    headers: { "content-type": "application/json", ...(key && { "idempotency-key": key }) },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}
async function snapshot(res: Response) {
  return {
    status: res.status,
    body: (await res.json()) as { _id?: string; code?: string },
    location: res.headers.get("location"),
    etag: res.headers.get("etag"),
    replayed: res.headers.get("idempotent-replayed"),
  };
}
const countByExternalId = async (externalId: string) =>
  ((await (await ws.fetch(`/v2/contacts?search=${externalId}`)).json()) as { data: unknown[] }).data
    .length;

describe("Idempotency-Key on create", () => {
  it("replays the first response for the same key and request, without a second write", async () => {
    const key = unique("key");
    const body = { external_id: unique("idem"), tags: ["a"] };
    const first = await snapshot(await create(body, key));
    const again = await snapshot(await create(body, key));
    expect(first.status).toBe(201);
    expect(first.replayed).toBeNull();
    expect(again).toEqual({ ...first, replayed: "true" });
    expect(await countByExternalId(body.external_id)).toBe(1);
  });

  it("gives 50 concurrent identical creates with one key one contact and identical finished responses", async () => {
    const key = unique("key");
    const body = { external_id: unique("burst") };
    const responses = await Promise.all(Array.from({ length: 50 }, () => create(body, key)));
    const results = await Promise.all(responses.map(snapshot));
    const finished = results.filter((r) => r.body.code !== "idempotency_key_in_use");
    const inUse = results.filter((r) => r.body.code === "idempotency_key_in_use");
    expect(finished.length).toBeGreaterThanOrEqual(1);
    expect(finished.length + inUse.length).toBe(50);
    for (const r of finished)
      expect({ ...r, replayed: null }).toEqual({ ...finished[0], replayed: null });
    for (const r of inUse) expect(r.status).toBe(409);
    expect(await countByExternalId(body.external_id)).toBe(1);
    // Once settled, every retry replays the one response.
    expect((await snapshot(await create(body, key))).body).toEqual(finished[0]?.body);
  });

  it("gives 50 concurrent creates of one external_id with different keys one 201 and 49 conflicts", async () => {
    const body = { external_id: unique("race") };
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => create(body, unique("key"))),
    );
    const results = await Promise.all(responses.map(snapshot));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    const conflicts = results.filter((r) => r.status === 409);
    expect(conflicts).toHaveLength(49);
    for (const c of conflicts) expect(c.body.code).toBe("external_id_conflict");
  });

  it.each<[string, (body: object) => string]>([
    ["a different body", (body) => JSON.stringify({ ...body, display_name: "Other" })],
    [
      "the same body with other whitespace (fingerprints cover the exact bytes)",
      (body) => JSON.stringify(body, null, 2),
    ],
  ])("answers the same key with %s by 422 idempotency_key_reused", async (_name, variant) => {
    const key = unique("key");
    const body = { external_id: unique("reuse") };
    expect((await create(body, key)).status).toBe(201);
    const reused = await create(variant(body), key);
    expect(reused.status).toBe(422);
    expect(((await reused.json()) as { code: string }).code).toBe("idempotency_key_reused");
  });

  it("keeps keys per workspace: the same key in another workspace is a new request", async () => {
    const other = await server.workspace();
    const key = unique("key");
    const body = { external_id: unique("shared-key") };
    const mine = await snapshot(await create(body, key));
    const theirs = await snapshot(await create(body, key, other));
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.replayed).toBeNull();
    expect(theirs.body._id).not.toBe(mine.body._id);
  });

  it("replays a 409 conflict as it was first answered", async () => {
    const externalId = unique("taken");
    expect((await create({ external_id: externalId })).status).toBe(201);
    const key = unique("key");
    const first = await snapshot(await create({ external_id: externalId }, key));
    expect(first.status).toBe(409);
    // Even after the conflicting contact is gone, the key answers what it answered first.
    expect((await ws.fetch(`/v2/contacts/${externalId}`, { method: "DELETE" })).status).toBe(204);
    const again = await snapshot(await create({ external_id: externalId }, key));
    expect(again).toEqual({ ...first, replayed: "true" });
  });

  it.each<[string, string, (key: string) => Promise<Response>, number]>([
    ["a schema validation error", "forget-1", (key) => create({ external_id: "" }, key), 400],
    [
      "a domain validation error (metadata too deep)",
      "forget-2",
      (key) =>
        create(
          { external_id: "x", metadata: { n: JSON.parse(`${"[".repeat(40)}${"]".repeat(40)}`) } },
          key,
        ),
      400,
    ],
    [
      "an authentication failure",
      "forget-3",
      (key) =>
        server.fetch("/v2/contacts", {
          method: "POST",
          headers: { "content-type": "application/json", "idempotency-key": key },
          body: "{}",
        }),
      401,
    ],
  ])(
    "does not remember %s: the key then works for a good request",
    async (_name, key, refused, status) => {
      expect((await refused(key)).status).toBe(status);
      expect((await create({ external_id: unique("after-refusal") }, key)).status).toBe(201);
    },
  );

  it("refuses a key longer than 255 characters", async () => {
    const res = await create({ external_id: unique("long-key") }, "k".repeat(256));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { details: { path: string }[] }).details[0]?.path).toMatch(
      /idempotency-key/i,
    );
  });

  it("treats an expired key as new, and a claim abandoned by a crash as free", async () => {
    const key = unique("key");
    expect((await create({ external_id: unique("expiring") }, key)).status).toBe(201);
    clock += IDEMPOTENCY_RETENTION_MS + 1;
    expect((await create({ external_id: unique("after-expiry") }, key)).status).toBe(201);

    // A claim that never completed (the process died mid-request) blocks only until it is stale.
    const crashed = unique("key");
    const body = JSON.stringify({ external_id: unique("crashed") });
    const fingerprint = requestFingerprint("POST", "/v2/contacts", body);
    const claim = await server.stores.idempotency.claim(
      ws.workspaceId,
      crashed,
      fingerprint,
      clock,
      {
        expiredBefore: 0,
        staleBefore: 0,
      },
    );
    expect(claim.kind).toBe("claimed");
    expect((await create(body, crashed)).status).toBe(409);
    clock += IDEMPOTENCY_STALE_CLAIM_MS + 1;
    expect((await create(body, crashed)).status).toBe(201);
  });

  it("can release every unfinished claim (the server does at start)", async () => {
    const key = unique("key");
    await server.stores.idempotency.claim(ws.workspaceId, key, "f", clock, {
      expiredBefore: 0,
      staleBefore: 0,
    });
    expect(await server.stores.idempotency.releaseUnfinished()).toBe(1);
    expect((await create({ external_id: unique("released") }, key)).status).toBe(201);
  });

  it("prunes expired keys", async () => {
    expect((await create({ external_id: unique("prunable") }, unique("key"))).status).toBe(201);
    expect(await server.stores.idempotency.prune(clock + 1, 1000)).toBeGreaterThan(0);
    expect(await server.stores.idempotency.prune(clock + 1, 1000)).toBe(0);
  });

  it("replays after a server restart on the same database", async () => {
    const restarted = await durableDatabase(dataDir, "restart.db");
    const before = await startTestServer({ ...restarted.options, now });
    const workspace = await before.workspace();
    const key = unique("key");
    const body = { external_id: unique("restart") };
    const first = await snapshot(await create(body, key, workspace));
    await before.close();

    const after = await startTestServer({ ...restarted.options, now });
    const again = await snapshot(
      await after.fetch("/v2/contacts", {
        method: "POST",
        headers: {
          authorization: `Bearer ${workspace.apiKey}`,
          "content-type": "application/json",
          "idempotency-key": key,
        },
        body: JSON.stringify(body),
      }),
    );
    expect(again).toEqual({ ...first, replayed: "true" });
    expect([...before.specProblems(), ...after.specProblems()]).toEqual([]);
    await after.close();
    await restarted.drop();
  });
});

describe("optimistic concurrency with ETags", () => {
  async function fresh() {
    const res = await create({ external_id: unique("etag") });
    return {
      id: ((await res.json()) as { _id: string })._id,
      etag: res.headers.get("etag") as string,
    };
  }
  const patch = (id: string, body: object, ifMatch?: string) =>
    ws.fetch(`/v2/contacts/${id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json", ...(ifMatch && { "if-match": ifMatch }) },
      body: JSON.stringify(body),
    });

  it("gives every single-contact response a strong ETag that changes on every write", async () => {
    const { id, etag } = await fresh();
    expect(etag).toMatch(/^"[0-9A-Z]{26}\.1"$/);
    const read = await ws.fetch(`/v2/contacts/${id}`);
    expect(read.headers.get("etag")).toBe(etag);
    const updated = await patch(id, { display_name: "v2" });
    expect(updated.headers.get("etag")).not.toBe(etag);
    const noop = await patch(id, { display_name: "v2" });
    expect(noop.headers.get("etag")).toBe(updated.headers.get("etag"));
  });

  it("lets exactly one of 20 concurrent PATCHes carrying the same If-Match win", async () => {
    const { id, etag } = await fresh();
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => patch(id, { display_name: `writer ${i}` }, etag)),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(19);
    const winner = responses.find((r) => r.status === 200) as Response;
    const final = (await (await ws.fetch(`/v2/contacts/${id}`)).json()) as { display_name: string };
    expect(final.display_name).toBe(
      ((await winner.json()) as { display_name: string }).display_name,
    );
  });

  it.each<[string, (etag: string) => string, number]>([
    ["the current ETag", (etag) => etag, 200],
    ["a list holding it", (etag) => `"nope.1", ${etag}`, 200],
    ["*", () => "*", 200],
    ["a stale ETag", () => '"stale.1"', 412],
    ["the weak form of the current ETag (If-Match compares strongly)", (etag) => `W/${etag}`, 412],
  ])("PATCH with If-Match of %s → %i", async (_name, ifMatch, status) => {
    const { id, etag } = await fresh();
    const res = await patch(id, { display_name: "changed" }, ifMatch(etag));
    expect(res.status).toBe(status);
    if (status === 412) {
      expect(((await res.json()) as { code: string }).code).toBe("precondition_failed");
      const unchanged = (await (await ws.fetch(`/v2/contacts/${id}`)).json()) as {
        display_name: unknown;
      };
      expect(unchanged.display_name).toBeNull();
    }
  });

  it("DELETE honours If-Match", async () => {
    const { id, etag } = await fresh();
    expect(
      (
        await ws.fetch(`/v2/contacts/${id}`, {
          method: "DELETE",
          headers: { "if-match": '"old.1"' },
        })
      ).status,
    ).toBe(412);
    expect((await ws.fetch(`/v2/contacts/${id}`)).status).toBe(200);
    expect(
      (await ws.fetch(`/v2/contacts/${id}`, { method: "DELETE", headers: { "if-match": etag } }))
        .status,
    ).toBe(204);
  });

  it.each<[string, (etag: string) => string, number]>([
    ["the current ETag", (etag) => etag, 304],
    ["its weak form", (etag) => `W/${etag}`, 304],
    ["*", () => "*", 304],
    ["another ETag", () => '"other.1"', 200],
  ])("GET with If-None-Match of %s → %i", async (_name, ifNoneMatch, status) => {
    const { id, etag } = await fresh();
    const res = await ws.fetch(`/v2/contacts/${id}`, {
      headers: { "if-none-match": ifNoneMatch(etag) },
    });
    expect(res.status).toBe(status);
    expect(res.headers.get("etag")).toBe(etag);
    if (status === 304) expect(await res.text()).toBe("");
  });
});

it("every response of this file conforms to openapi.yaml", () => {
  expect(server.specProblems()).toEqual([]);
});
