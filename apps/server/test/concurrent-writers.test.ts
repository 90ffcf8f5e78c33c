/**
 * Another process writing the same SQLite file (an admin import, a migration) while the server
 * creates contacts: each create waits for the write lock within the busy timeout; none fails.
 * A create whose transaction read before it wrote (deferred) failed at once with
 * SQLITE_BUSY_SNAPSHOT whenever the other process committed in between.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { afterAll, expect, it } from "vitest";
import { createIdGenerator } from "../src/ids.js";
import { openSqliteStores } from "../src/server-store.js";

const dir = mkdtempSync(join(tmpdir(), "contacts-writers-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const WORKSPACE = "cccccccc-cccc-4ccc-8ccc-cccccccccccc";

it("creates every contact while another connection commits in a loop", async () => {
  const path = join(dir, "contacts.db");
  const stores = openSqliteStores(path);
  stores.database
    .prepare("INSERT INTO workspaces (id, name, created_at) VALUES (?, 'w', 0)")
    .run(WORKSPACE);
  // The other writer: its own connection in a thread, committing a row at a time.
  const writer = new Worker(
    `const { workerData, parentPort } = require("node:worker_threads");
     const Database = require(workerData.module);
     const db = new Database(workerData.path);
     db.pragma("busy_timeout = 5000");
     const insert = db.prepare("INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, 0)");
     let n = 0;
     parentPort.postMessage("ready");
     const stopAt = Date.now() + 20000;
     while (Date.now() < stopAt && !workerData.stop[0]) { const id = "other-" + n++; insert.run(id, id); }
     db.close();`,
    {
      eval: true,
      workerData: {
        path,
        module: createRequire(import.meta.url).resolve("better-sqlite3"),
        stop: new Int32Array(new SharedArrayBuffer(4)),
      },
    },
  );
  await new Promise((resolve) => writer.once("message", resolve));
  const ids = createIdGenerator();
  const failures: string[] = [];
  let now = Date.UTC(2026, 0, 1);
  for (let i = 0; i < 2000; i++) {
    try {
      await stores.contacts.create(WORKSPACE, {
        id: ids.contactId(now++),
        externalId: `c-${i}`,
        displayName: null,
        email: null,
        avatarUrl: null,
        tags: [],
        metadata: {},
        createdAt: now,
      });
    } catch (error) {
      failures.push((error as { code?: string }).code ?? String(error));
    }
  }
  await writer.terminate();
  expect(failures).toEqual([]);
  await stores.close();
}, 60_000);
