// Two servers on one PostgreSQL database, in one process but each with its own pool (as two
// replicas would be): the guarantees a single SQLite writer gives must hold across them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../../test/support/postgres-databases.js";
import {
  startTestServer,
  type TestServer,
  type TestWorkspace,
} from "../../../test/support/test-server.js";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let replicas: TestServer[];
let ws: TestWorkspace;

beforeAll(async () => {
  database = await createTestDatabase();
  replicas = await Promise.all([
    startTestServer({ postgresUrl: database.url }),
    startTestServer({ postgresUrl: database.url }),
  ]);
  ws = await (replicas[0] as TestServer).workspace("replicas");
});
afterAll(async () => {
  for (const replica of replicas) await replica.close();
  await database.drop();
});

/** The workspace's key sent to replica `i`. */
function on(i: number, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${ws.apiKey}`);
  if (init.body !== undefined) headers.set("content-type", "application/json");
  return (replicas[i % replicas.length] as TestServer).fetch(path, { ...init, headers });
}

describe("two replicas on one PostgreSQL database", () => {
  it("creates one contact for one external_id sent to both at once: one 201, the rest 409 naming it", async () => {
    const body = JSON.stringify({ external_id: "race-create" });
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => on(i, "/v2/contacts", { method: "POST", body })),
    );
    const statuses = responses.map((res) => res.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(11);
    const created = (await responses[statuses.indexOf(201)]?.json()) as { _id: string };
    for (const res of responses.filter((r) => r.status === 409)) {
      expect(((await res.json()) as { details?: unknown; existing_id?: string }).existing_id).toBe(
        created._id,
      );
    }
  });

  it("runs one Idempotency-Key once, sent to both at once: the other answers 409 or the replay", async () => {
    const init = {
      method: "POST",
      body: JSON.stringify({ external_id: "race-idempotent" }),
      headers: { "idempotency-key": "race-key-1" },
    };
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) => on(i, "/v2/contacts", init)),
    );
    const fresh = responses.filter(
      (res) => res.status === 201 && res.headers.get("idempotent-replayed") === null,
    );
    expect(fresh).toHaveLength(1);
    for (const res of responses) {
      const replayed = res.headers.get("idempotent-replayed") === "true";
      const inUse =
        res.status === 409 &&
        ((await res.clone().json()) as { code: string }).code === "idempotency_key_in_use";
      expect(res.status === 201 || inUse, `status ${res.status}`).toBe(true);
      if (res.status === 201 && replayed)
        expect(await res.json()).toEqual(await fresh[0]?.clone().json());
    }
    // Never a second execution: one contact, and no 409 external_id_conflict among the answers.
    const list = (await (await on(0, "/v2/contacts?search=race-idempotent")).json()) as {
      data: unknown[];
    };
    expect(list.data).toHaveLength(1);
  });

  it("lets exactly one If-Match write win when both replicas get the same ETag at once", async () => {
    const created = await on(0, "/v2/contacts", {
      method: "POST",
      body: JSON.stringify({ external_id: "race-if-match" }),
    });
    const etag = created.headers.get("etag") as string;
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        on(i, "/v2/contacts/race-if-match", {
          method: "PATCH",
          headers: { "if-match": etag },
          body: JSON.stringify({ display_name: `writer ${i}` }),
        }),
      ),
    );
    const statuses = responses.map((res) => res.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(9);
    const winner = (await responses[statuses.indexOf(200)]?.json()) as { display_name: string };
    const now = (await (await on(1, "/v2/contacts/race-if-match")).json()) as {
      display_name: string;
    };
    expect(now.display_name).toBe(winner.display_name);
  });

  it("refuses a revoked key at once on the replica that revoked it, and within 1 s on the other", async () => {
    const extra = await (replicas[1] as TestServer).workspace("replicas-revoked");
    const keyId = /^ck_([0-9a-f]{16})_/.exec(extra.apiKey)?.[1] as string;
    const get = (i: number) =>
      (replicas[i] as TestServer).fetch("/v2/contacts", {
        headers: { authorization: `Bearer ${extra.apiKey}` },
      });
    expect([(await get(0)).status, (await get(1)).status]).toEqual([200, 200]);
    expect(await (replicas[0] as TestServer).stores.apiKeys.revokeKey(keyId, Date.now())).toBe(
      true,
    );
    const revokedAt = performance.now();
    expect((await get(0)).status).toBe(401);
    // The other remembers the key's last success for 500 ms (postgres-api-key-store.ts).
    let status = (await get(1)).status;
    while (status !== 401 && performance.now() - revokedAt < 2000) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      status = (await get(1)).status;
    }
    expect(status).toBe(401);
    expect(performance.now() - revokedAt).toBeLessThan(1000);
  });

  it("answers only with responses the spec allows", () => {
    expect(replicas.flatMap((replica) => replica.specProblems())).toEqual([]);
  });
});

describe("replicas starting together on an empty database", () => {
  it("make one first key between them, not one each", async () => {
    const empty = await createTestDatabase();
    const { openPostgresStores } = await import("./postgres-stores.js");
    const { ensureFirstApiKey } = await import("../../first-start.js");
    const stores = await Promise.all(
      Array.from({ length: 5 }, () => openPostgresStores(empty.url)),
    );
    try {
      const keys = await Promise.all(stores.map((s) => ensureFirstApiKey(s.apiKeys, Date.now())));
      expect(keys.filter((key) => key !== undefined)).toHaveLength(1);
      expect(await stores[0]?.apiKeys.countKeys()).toBe(1);
    } finally {
      for (const s of stores) await s.close();
      await empty.drop();
    }
  });
});
