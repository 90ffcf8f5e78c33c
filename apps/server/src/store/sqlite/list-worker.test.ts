import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ListQueueFullError, QueryTooBroadError } from "../../contacts/contact-errors.js";
import { createIdGenerator } from "../../ids.js";
import { openSqliteStores, type SqliteStores } from "../../server-store.js";
import type { TopBy } from "../../usage/usage.js";
import { DAY_MS } from "../../usage/usage-rules.js";
import { ListWorkers } from "./list-worker.js";

const A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
const TODAY = Math.floor(Date.UTC(2026, 2, 10) / DAY_MS);

let dir: string;
let stores: SqliteStores;
let workers: ListWorkers;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "contacts-list-worker-"));
  const path = join(dir, "contacts.db");
  stores = openSqliteStores(path);
  const insert = stores.database.prepare(
    "INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, 0)",
  );
  for (const id of [A, B]) insert.run(id, id);
  const ids = createIdGenerator();
  let now = Date.UTC(2026, 0, 1);
  for (let i = 0; i < 40; i++) {
    const workspaceId = i % 2 === 0 ? A : B;
    await stores.contacts.create(workspaceId, {
      id: ids.contactId(now++),
      externalId: `person-${i}`,
      displayName: `Person ${i}`,
      email: null,
      avatarUrl: null,
      tags: i % 4 === 0 ? ["four", "all"] : ["all"],
      metadata: {},
      createdAt: now,
    });
  }
  // Usage of A's contacts over the 60 days before TODAY; the window is the last 30 of them.
  await stores.usage.record(
    A,
    Array.from({ length: 300 }, (_, i) => ({
      id: `event-${i}`,
      contactRef: `person-${((i * 7) % 40) & ~1}`,
      timestamp: (TODAY - 60 + (i % 60)) * DAY_MS + i,
      costMicros: (i * 37) % 11,
      tokens: i % 7,
      error: i % 7 === 1,
      model: null,
      inputTokens: null,
      outputTokens: null,
      latencyMs: null,
    })),
    () => {
      throw new Error("every event names an existing contact");
    },
  );
  await stores.usage.rollWindow(A, TODAY - 29);
  workers = new ListWorkers({ path, threads: 1, maxExaminedRows: 5, maxQueuedPerWorkspace: 4 });
});
afterAll(async () => {
  await workers.close();
  stores.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("ListWorkers", () => {
  it("answers exactly what the store answers on its own connection", async () => {
    for (const query of [
      { limit: 3, search: "person-1" },
      { limit: 3, tags: ["four"] },
      { limit: 2, search: "son", tags: ["all"] },
    ]) {
      expect(await workers.list(A, query)).toEqual(await stores.contacts.list(A, query));
    }
  });

  it("sees a contact committed on the writer's connection at once", async () => {
    await stores.contacts.create(A, {
      id: createIdGenerator().contactId(Date.UTC(2027, 0, 1)),
      externalId: "just-written",
      displayName: null,
      email: null,
      avatarUrl: null,
      tags: [],
      metadata: {},
      createdAt: Date.UTC(2027, 0, 1),
    });
    const page = await workers.list(A, { limit: 1, search: "just-written" });
    expect(page.contacts.map((c) => c.externalId)).toEqual(["just-written"]);
  });

  it("answers top lists over any period exactly as the store does inline", async () => {
    const rankings: TopBy[] = ["cost", "tokens", "requests", "errors"];
    for (const [from, to] of [
      [TODAY - 60, TODAY],
      [TODAY - 30, TODAY],
      [TODAY - 29, TODAY + 1],
      [TODAY - 10, TODAY - 9],
    ] as const) {
      for (const by of rankings) {
        const inline = await stores.usage.top(A, by, from, to, 7);
        expect(inline.length).toBeGreaterThan(0);
        expect(await workers.top(A, by, from, to, 7)).toEqual(inline);
      }
    }
    expect(await workers.top(B, "cost", TODAY - 60, TODAY, 7)).toEqual([]);
  });

  it("counts top lists and filtered lists against one share per workspace", async () => {
    const tops = Array.from({ length: 4 }, () => workers.top(A, "cost", TODAY - 60, TODAY, 5));
    await expect(workers.list(A, { limit: 1, tags: ["all"] })).rejects.toBeInstanceOf(
      ListQueueFullError,
    );
    await expect(workers.top(A, "cost", TODAY - 60, TODAY, 5)).rejects.toBeInstanceOf(
      ListQueueFullError,
    );
    await Promise.all(tops);
  });

  it("carries query_too_broad back from the thread", async () => {
    // "all" and "son" each match every contact of A; "zz" none: the bound (5) is reached.
    await expect(workers.list(A, { limit: 2, search: "zz", tags: ["all"] })).rejects.toBeInstanceOf(
      QueryTooBroadError,
    );
  });

  it("takes workspaces in turn, and refuses a workspace more calls in flight than it may have", async () => {
    const finished: string[] = [];
    const call = (workspaceId: string, label: string) =>
      workers.list(workspaceId, { limit: 1, tags: ["all"] }).then(() => finished.push(label));
    const calls = [call(A, "a1"), call(A, "a2"), call(A, "a3"), call(A, "a4")];
    await expect(workers.list(A, { limit: 1, tags: ["all"] })).rejects.toBeInstanceOf(
      ListQueueFullError,
    );
    calls.push(call(B, "b1"));
    await Promise.all(calls);
    // a1 was already running; b1 arrived behind a2–a4 but goes next: B's turn comes before A's.
    expect(finished.indexOf("b1")).toBeLessThan(finished.indexOf("a3"));
    expect(finished[0]).toBe("a1");
  });
});

describe("threads that cannot start", () => {
  it("fail every call with their error, and are not started again and again", async () => {
    // No database at this path: each thread fails as it opens it, before answering anything.
    const broken = new ListWorkers({ path: join(dir, "missing.db"), threads: 1 });
    const started = new Set<number>();
    const threads = () => (broken as unknown as { threads: { worker: Worker }[] }).threads;
    // A thread's id, while it runs (-1 once it exited).
    const watch = () => {
      const id = threads()[0]?.worker.threadId ?? -1;
      if (id >= 0) started.add(id);
    };
    try {
      const failures: unknown[] = [];
      for (let i = 0; i < 5; i++) {
        watch();
        failures.push(await broken.list(A, { limit: 1, tags: ["all"] }).catch((e: unknown) => e));
      }
      for (const failure of failures) {
        expect(failure).toBeInstanceOf(Error);
        expect(String(failure)).toMatch(/SQLITE_CANTOPEN/);
      }
      // Watched for a while: no thread is started once three failed in a row.
      for (let i = 0; i < 20; i++) {
        watch();
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(started.size).toBeLessThanOrEqual(3);
    } finally {
      await broken.close();
    }
  });
});
