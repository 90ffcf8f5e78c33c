/**
 * kill -9 during concurrent usage ingest, with real processes and a real database (an SQLite
 * file, or with TEST_STORE=postgres a PostgreSQL database of its own): every acknowledged batch
 * is fully counted, no batch is counted in part, the hourly and daily totals agree with the
 * events, and the database is intact.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, expect, it } from "vitest";
import { createTestDatabase, TEST_STORE } from "./support/postgres-databases.js";
import { processRunner } from "./support/server-process.js";

const dataDir = mkdtempSync(join(tmpdir(), "contacts-usage-durability-"));
const runner = processRunner({
  LOG_LEVEL: "warn",
  PORT: "0",
  HOST: "127.0.0.1",
  RATE_LIMIT_RPS: "0",
});
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  runner.killAll();
  rmSync(dataDir, { recursive: true, force: true });
  for (const cleanup of cleanups) await cleanup();
});

/** Sums of requests, errors and micro-USD, as numbers (PostgreSQL's bigint sums are strings). */
interface Sums {
  r: number;
  e: number;
  c: number;
}

/** What the test reads back from the database after the crash, on either store. */
interface Inspector {
  /** Events stored whose id starts with `prefix`. */
  countLike(prefix: string): Promise<number>;
  totals(table: "usage_hourly" | "usage_daily"): Promise<Sums>;
  events(): Promise<Sums>;
  close(): Promise<void>;
}

/** A database for the server (its DATABASE_URL) and, after the crash, its inspector. */
async function crashDatabase(): Promise<{ url: string; inspect(): Promise<Inspector> }> {
  if (TEST_STORE === "postgres") {
    const database = await createTestDatabase({ migrated: false });
    cleanups.push(database.drop);
    return {
      url: database.url,
      async inspect() {
        const client = new pg.Client({ connectionString: database.url });
        await client.connect();
        const sums = async (sql: string): Promise<Sums> => {
          const row = (await client.query(sql)).rows[0] as Record<keyof Sums, string | null>;
          return { r: Number(row.r ?? 0), e: Number(row.e ?? 0), c: Number(row.c ?? 0) };
        };
        return {
          countLike: async (prefix) =>
            Number(
              (
                await client.query(
                  "SELECT count(*) AS n FROM usage_events WHERE event_id LIKE $1",
                  [`${prefix}%`],
                )
              ).rows[0].n,
            ),
          totals: (table) =>
            sums(
              `SELECT sum(requests) AS r, sum(errors) AS e, sum(cost_micros) AS c FROM ${table}`,
            ),
          events: () =>
            sums(
              "SELECT count(*) AS r, sum(error::int) AS e, sum(cost_micros) AS c FROM usage_events",
            ),
          close: () => client.end(),
        };
      },
    };
  }
  const path = join(dataDir, "usage-crash.db");
  return {
    url: path,
    async inspect() {
      const db = new Database(path);
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
      const count = db.prepare("SELECT count(*) AS n FROM usage_events WHERE event_id LIKE ?");
      const sums = (sql: string) => db.prepare(sql).get() as Sums;
      return {
        countLike: async (prefix) => (count.get(`${prefix}%`) as { n: number }).n,
        totals: async (table) =>
          sums(`SELECT sum(requests) AS r, sum(errors) AS e, sum(cost_micros) AS c FROM ${table}`),
        events: async () =>
          sums("SELECT count(*) AS r, sum(error) AS e, sum(cost_micros) AS c FROM usage_events"),
        close: async () => void db.close(),
      };
    },
  };
}

const KEY_PATTERN = /ck_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/;
const BATCH = 200;
const WORKERS = 8;

it("kill -9 mid-ingest: acknowledged batches whole, the others whole or absent", async () => {
  const database = await crashDatabase();
  const server = await runner.startServer({ DATABASE_URL: database.url, LOG_LEVEL: "info" });
  const key = KEY_PATTERN.exec(server.err())?.[0] as string;
  expect(key).toBeDefined();
  const acknowledged: string[] = [];
  const sent: string[] = [];
  const failures: string[] = [];
  let stopped = false;
  const worker = async (w: number) => {
    for (let b = 0; !stopped; b++) {
      const batch = `w${w}b${b}`;
      sent.push(batch);
      const events = Array.from({ length: BATCH }, (_, i) => ({
        id: `${batch}-${i}`,
        contact: `crash_user_${w}_${b % 3}`,
        timestamp: new Date(Date.now() - i * 60_000).toISOString(),
        cost: 0.000123,
        tokens: 7,
        error: i % 5 === 0,
      }));
      try {
        const res = await fetch(`${server.url}/v2/usage`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify({ events }),
        });
        if (res.status === 200) acknowledged.push(batch);
        else failures.push(`${batch}: ${res.status} ${await res.text()}`);
      } catch {
        return; // the server is gone
      }
    }
  };
  const running = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  const deadline = Date.now() + 30_000;
  while (acknowledged.length < 40 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(acknowledged.length).toBeGreaterThanOrEqual(40);
  server.child.kill("SIGKILL");
  await server.exited;
  stopped = true;
  await running;
  expect(failures).toEqual([]);

  const db = await database.inspect();
  try {
    const partial: string[] = [];
    const lost: string[] = [];
    for (const batch of sent) {
      const n = await db.countLike(`${batch}-`);
      if (n !== 0 && n !== BATCH) partial.push(`${batch}: ${n}`);
      if (acknowledged.includes(batch) && n !== BATCH) lost.push(`${batch}: ${n}`);
    }
    expect(lost).toEqual([]);
    expect(partial).toEqual([]);
    // The totals were written in the events' transactions: they agree with the events.
    const events = await db.events();
    expect(await db.totals("usage_hourly")).toEqual(events);
    expect(await db.totals("usage_daily")).toEqual(events);
    expect(events.r).toBeGreaterThanOrEqual(acknowledged.length * BATCH);
  } finally {
    await db.close();
  }
}, 90_000);
