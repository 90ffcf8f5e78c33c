/**
 * Three real server processes on one PostgreSQL database (created empty and dropped by this
 * test; the three migrate it at once), a client spreading calls across them: concurrent creates
 * of one external_id give one 201; one Idempotency-Key sent to two replicas at once runs once;
 * If-Match races have one winner; a key revoked with the admin CLI is refused by every replica
 * within 1 s; a rolling restart (SIGTERM, a replacement) under load loses no request; kill -9
 * of one replica under create load loses no acknowledged contact, and the others never stop
 * answering.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../support/postgres-databases.js";
import { processRunner, type RunningProcess } from "../support/server-process.js";

const KEY_PATTERN = /ck_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let runner: ReturnType<typeof processRunner>;
let replicas: (RunningProcess & { url: string })[];
let key: string;

beforeAll(async () => {
  database = await createTestDatabase({ migrated: false });
  runner = processRunner({
    DATABASE_URL: database.url,
    LOG_LEVEL: "info",
    PORT: "0",
    HOST: "127.0.0.1",
    RATE_LIMIT_RPS: "0",
    AUTH_FAILURE_RPS: "0",
    PG_POOL_SIZE: "5",
  });
  // All three at once on the empty database: the migrations run once, under the advisory lock.
  replicas = await Promise.all([0, 1, 2].map(() => runner.startServer({}, 60_000)));
  const created = await runner.admin("keys", "create", "--workspace", "replicas");
  expect(created.code).toBe(0);
  key = created.stdout.trim();
}, 120_000);

afterAll(async () => {
  runner?.killAll();
  await database?.drop();
});

/** A call with the workspace's key to replica `i` (of three, round robin). */
function on(i: number, path: string, init: RequestInit = {}, apiKey = key): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${apiKey}`);
  if (init.body !== undefined) headers.set("content-type", "application/json");
  const replica = replicas[i % replicas.length] as { url: string };
  return fetch(`${replica.url}${path}`, { ...init, headers });
}

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

describe("three server processes on one PostgreSQL database", () => {
  it("started together on an empty database: each ready, one first-start key at most", async () => {
    for (const replica of replicas) {
      const ready = await fetch(`${replica.url}/readyz`);
      expect(ready.status).toBe(200);
    }
    const firstKeys = replicas.filter((replica) => KEY_PATTERN.test(replica.err()));
    expect(firstKeys.length).toBeLessThanOrEqual(1);
  });

  it("create one contact for one external_id sent to every replica at once: one 201", async () => {
    for (let round = 0; round < 3; round++) {
      const body = JSON.stringify({ external_id: `race-create-${round}` });
      const responses = await Promise.all(
        Array.from({ length: 9 }, (_, i) => on(i, "/v2/contacts", { method: "POST", body })),
      );
      const bodies = await Promise.all(responses.map(json));
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409, 409]);
      const winner = bodies[responses.findIndex((r) => r.status === 201)];
      for (const [i, res] of responses.entries()) {
        if (res.status === 409) {
          expect(bodies[i]).toMatchObject({
            code: "external_id_conflict",
            existing_id: winner?._id,
          });
        }
      }
    }
  });

  it("run one Idempotency-Key sent to two replicas at once once: the other gets 409 or the replay", async () => {
    for (let round = 0; round < 5; round++) {
      const body = JSON.stringify({ external_id: `idempotent-${round}`, tags: ["retry"] });
      const headers = { "idempotency-key": `replica-race-${round}-${Date.now()}` };
      const responses = await Promise.all(
        [round, round + 1].map((i) => on(i, "/v2/contacts", { method: "POST", body, headers })),
      );
      const bodies = await Promise.all(responses.map(json));
      const executed = responses.filter(
        (r) => r.status === 201 && r.headers.get("idempotent-replayed") !== "true",
      );
      expect(executed).toHaveLength(1);
      for (const [i, res] of responses.entries()) {
        if (res.status === 201) continue;
        // Never a second execution (which would meet the first's external_id: a 409 conflict).
        expect(res.status).toBe(409);
        expect(bodies[i]?.code).toBe("idempotency_key_in_use");
      }
      const ids = bodies.filter((b) => typeof b._id === "string").map((b) => b._id);
      expect(new Set(ids).size).toBe(1);
      // Sent again to the third replica once settled: the replay of the one execution.
      const again = await on(round + 2, "/v2/contacts", { method: "POST", body, headers });
      expect(again.status).toBe(201);
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect((await json(again))._id).toBe(ids[0]);
    }
  });

  it("give an If-Match race on every replica exactly one winner", async () => {
    const created = await on(0, "/v2/contacts", {
      method: "POST",
      body: JSON.stringify({ external_id: "if-match-race" }),
    });
    expect(created.status).toBe(201);
    let etag = created.headers.get("etag") as string;
    for (let round = 0; round < 4; round++) {
      const responses = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          on(i, "/v2/contacts/if-match-race", {
            method: "PATCH",
            headers: { "if-match": etag },
            body: JSON.stringify({ display_name: `writer ${round}-${i}` }),
          }),
        ),
      );
      expect(responses.map((r) => r.status).sort()).toEqual([200, 412, 412, 412, 412, 412]);
      const winner = responses.find((r) => r.status === 200) as Response;
      const name = (await json(winner)).display_name;
      etag = winner.headers.get("etag") as string;
      // Every replica reads the winner's write, under the winner's ETag.
      for (let i = 0; i < 3; i++) {
        const read = await on(i, "/v2/contacts/if-match-race");
        expect(read.headers.get("etag")).toBe(etag);
        expect((await json(read)).display_name).toBe(name);
      }
    }
  });

  it("refuse a key revoked with the admin CLI on every replica within 1 s", async () => {
    const created = await runner.admin("keys", "create", "--workspace", "replicas");
    const doomed = created.stdout.trim();
    const keyId = doomed.split("_")[1] as string;
    for (let i = 0; i < 3; i++) expect((await on(i, "/v2/contacts", {}, doomed)).status).toBe(200);

    const revoked = await runner.admin("keys", "revoke", keyId);
    expect(revoked.code).toBe(0);
    const revokedAt = performance.now();
    const refusedAfter = await Promise.all(
      [0, 1, 2].map(async (i) => {
        while (performance.now() - revokedAt < 5000) {
          const res = await on(i, "/v2/contacts", {}, doomed);
          await res.arrayBuffer();
          if (res.status === 401) return performance.now() - revokedAt;
          await sleep(20);
        }
        return Number.POSITIVE_INFINITY;
      }),
    );
    for (const ms of refusedAfter) expect(ms).toBeLessThan(1000);
    // The workspace's other key is still served everywhere.
    for (let i = 0; i < 3; i++) expect((await on(i, "/v2/contacts")).status).toBe(200);
  });

  it("rolling restart: SIGTERM one replica under load, start its replacement; no request lost", async () => {
    const acknowledged = new Map<string, string>(); // external_id → _id
    const failures: string[] = [];
    let movedAfterRefusal = 0;
    let stopped = false;
    let n = 0;
    // Like a load balancer: a refused connection (the request never reached a server) goes to
    // the next replica; anything else must be an answer, and a 201.
    const send = async (first: number, body: string) => {
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          return await on(first + attempt, "/v2/contacts", { method: "POST", body });
        } catch (error) {
          if ((error as { cause?: { code?: string } }).cause?.code !== "ECONNREFUSED") throw error;
          movedAfterRefusal += 1;
        }
      }
      throw new Error("refused by every replica");
    };
    const callers = Array.from({ length: 6 }, async (_, caller) => {
      while (!stopped) {
        const externalId = `rolling-${caller}-${++n}`;
        try {
          const res = await send(caller, JSON.stringify({ external_id: externalId }));
          const body = await json(res);
          if (res.status === 201) acknowledged.set(externalId, body._id as string);
          else failures.push(`${res.status} ${String(body.code)}`);
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    });
    await sleep(1000);
    const leaving = replicas[1] as RunningProcess & { url: string };
    leaving.child.kill("SIGTERM");
    expect(await leaving.exited).toBe(0);
    const replacement = await runner.startServer({}, 60_000);
    replicas[1] = replacement;
    await sleep(1000);
    stopped = true;
    await Promise.all(callers);

    expect(failures).toEqual([]);
    expect(acknowledged.size).toBeGreaterThan(20);
    expect(movedAfterRefusal).toBeGreaterThanOrEqual(1); // the stopped replica was asked, and refused
    // The replacement serves everything the others acknowledged, its predecessor's creates too.
    for (const [externalId, id] of [...acknowledged].slice(-40)) {
      const read = await on(1, `/v2/contacts/${externalId}`);
      expect((await json(read))._id).toBe(id);
    }
  }, 90_000);

  it("kill -9 of one replica under create load: every acknowledged contact kept, the others always answer", async () => {
    const acknowledged = new Map<string, string>(); // external_id → _id
    const survivorFailures: string[] = [];
    let victimUnanswered = 0;
    let killed = false;
    let stopped = false;
    let n = 0;
    // Six callers, two per replica; a caller of the killed replica stops at its first failure.
    const callers = Array.from({ length: 6 }, async (_, caller) => {
      const replica = caller % 3;
      while (!stopped) {
        const externalId = `load-${caller}-${++n}`;
        try {
          const res = await on(replica, "/v2/contacts", {
            method: "POST",
            body: JSON.stringify({ external_id: externalId, tags: ["load"] }),
          });
          const body = await json(res);
          if (res.status === 201) acknowledged.set(externalId, body._id as string);
          else if (replica !== 2) survivorFailures.push(`${res.status} ${String(body.code)}`);
        } catch (error) {
          if (replica === 2 && killed) {
            victimUnanswered += 1;
            return;
          }
          survivorFailures.push(`replica ${replica}: ${(error as Error).message}`);
        }
      }
    });
    await sleep(1500);
    const beforeKill = acknowledged.size;
    killed = true;
    (replicas[2] as RunningProcess).child.kill("SIGKILL");
    await (replicas[2] as RunningProcess).exited;
    await sleep(1500);
    stopped = true;
    await Promise.all(callers);

    expect(survivorFailures).toEqual([]);
    expect(beforeKill).toBeGreaterThan(10);
    expect(acknowledged.size).toBeGreaterThan(beforeKill); // the survivors went on creating
    expect(victimUnanswered).toBeGreaterThanOrEqual(1);
    for (const replica of replicas.slice(0, 2)) {
      expect((await fetch(`${replica.url}/readyz`)).status).toBe(200);
    }

    // Every acknowledged contact is there, read through the survivors.
    const listed = new Map<string, string>();
    let cursor: string | undefined;
    for (let page = 0; ; page++) {
      const query = `?tags=load&limit=50${cursor ? `&starting_after=${cursor}` : ""}`;
      const res = await on(page % 2, `/v2/contacts${query}`); // the two survivors
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        data: { _id: string; external_id: string }[];
        has_more: boolean;
      };
      for (const contact of body.data) listed.set(contact.external_id, contact._id);
      if (!body.has_more) break;
      cursor = body.data.at(-1)?._id;
    }
    const missing = [...acknowledged].filter(([externalId, id]) => listed.get(externalId) !== id);
    expect(missing).toEqual([]);
  }, 60_000);
});
