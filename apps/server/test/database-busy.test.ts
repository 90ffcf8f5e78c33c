/**
 * A database that does not answer in time gets 503 service_unavailable with Retry-After, and
 * the request is not carried out: on PostgreSQL a statement past PG_STATEMENT_TIMEOUT_MS (an
 * update waiting for a row another connection holds), on SQLite a write waiting past the busy
 * timeout for the lock another process holds. Once the database answers, the same request works.
 * (A database that is gone altogether: the contract suite's 503 cases.)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import type { PostgresSettings } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { TEST_STORE } from "./support/postgres-databases.js";
import { durableDatabase, startTestServer, type TestServer } from "./support/test-server.js";

const dir = mkdtempSync(join(tmpdir(), "contacts-busy-"));
const warnings: string[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function busyServer(
  postgresSettings: Partial<PostgresSettings> = { statementTimeoutMs: 300 },
): Promise<{ server: TestServer; url: string }> {
  const database = await durableDatabase(dir, "busy.db");
  cleanups.push(database.drop);
  const server = await startTestServer({
    ...database.options,
    postgresSettings,
    logger: createLogger("warn", { write: (line) => warnings.push(line) }),
  });
  cleanups.push(() => server.close());
  return {
    server,
    url: database.options.postgresUrl ?? (database.options.databasePath as string),
  };
}

function expectUnavailable(res: Response, body: unknown): void {
  expect(res.status).toBe(503);
  expect(res.headers.get("retry-after")).toBe("2");
  expect(body).toMatchObject({ code: "service_unavailable" });
}

// Each store's own way of not answering: defined for the store the suite runs on (none skipped).
if (TEST_STORE === "postgres")
  describe("on PostgreSQL", () => {
    it("answers 503 to an update whose row stays locked past the statement timeout, and writes nothing", async () => {
      const { server, url } = await busyServer();
      const ws = await server.workspace();
      const created = await ws.client.contacts.create({ external_id: "locked", display_name: "A" });
      const holder = new pg.Client({ connectionString: url });
      await holder.connect();
      cleanups.push(() => holder.end());
      await holder.query("BEGIN");
      await holder.query("SELECT 1 FROM contacts WHERE id = $1 FOR UPDATE", [created._id]);

      const res = await ws.fetch(`/v2/contacts/${created._id}`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ display_name: "B" }),
      });
      expectUnavailable(res, await res.json());
      const logged = warnings.map((line) => JSON.parse(line) as { msg: string; err?: object });
      expect(logged.find((w) => w.msg === "database unavailable")?.err).toMatchObject({
        message: "canceling statement due to statement timeout",
      });

      await holder.query("ROLLBACK");
      expect(await ws.client.contacts.retrieve(created._id)).toMatchObject({
        display_name: "A",
        updated: created.updated,
      });
      const again = await ws.client.contacts.update(created._id, { display_name: "B" });
      expect(again).toMatchObject({ display_name: "B" });
      expect(server.specProblems()).toEqual([]);
    });

    it("answers 503 to a request that gets no pooled connection within the connect timeout", async () => {
      const { server, url } = await busyServer({
        poolSize: 1,
        connectTimeoutMs: 300,
        statementTimeoutMs: 5000,
      });
      const ws = await server.workspace();
      const created = await ws.client.contacts.create({ external_id: "pooled" });
      const holder = new pg.Client({ connectionString: url });
      await holder.connect();
      cleanups.push(() => holder.end());
      await holder.query("BEGIN");
      await holder.query("SELECT 1 FROM contacts WHERE id = $1 FOR UPDATE", [created._id]);
      // The update holds the pool's only connection while it waits for the row.
      const update = ws.fetch(`/v2/contacts/${created._id}`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ display_name: "waited" }),
      });
      await new Promise((resolve) => setTimeout(resolve, 200));

      const res = await ws.fetch(`/v2/contacts/${created._id}`);
      expectUnavailable(res, await res.json());
      const logged = warnings.map((line) => JSON.parse(line) as { msg: string; err?: object });
      expect(
        logged.filter((w) => w.msg === "database unavailable").map((w) => w.err),
      ).toContainEqual(
        expect.objectContaining({ message: "timeout exceeded when trying to connect" }),
      );

      await holder.query("ROLLBACK");
      expect((await update).status).toBe(200);
      expect(await ws.client.contacts.retrieve(created._id)).toMatchObject({
        display_name: "waited",
      });
      expect(server.specProblems()).toEqual([]);
    });
  });

if (TEST_STORE === "sqlite")
  describe("on SQLite", () => {
    it("answers 503 to a create while another process holds the write lock past the busy timeout, and writes nothing", async () => {
      const { server, url } = await busyServer();
      const ws = await server.workspace();
      const holder = new Database(url);
      cleanups.push(() => void holder.close());
      holder.exec("BEGIN IMMEDIATE");

      const started = performance.now();
      const res = await ws.fetch("/v2/contacts", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ external_id: "waited" }),
      });
      expectUnavailable(res, await res.json());
      // It waited for the lock first (the busy timeout, 5 s), rather than failing at once.
      expect(performance.now() - started).toBeGreaterThan(4000);
      const logged = warnings.map((line) => JSON.parse(line) as { msg: string; err?: object });
      expect(logged.find((w) => w.msg === "database unavailable")?.err).toMatchObject({
        message: "database is locked",
      });

      holder.exec("ROLLBACK");
      expect((await ws.client.contacts.list()).data).toEqual([]);
      expect(await ws.client.contacts.create({ external_id: "waited" })).toMatchObject({
        external_id: "waited",
      });
      expect(server.specProblems()).toEqual([]);
    }, 20_000);
  });
