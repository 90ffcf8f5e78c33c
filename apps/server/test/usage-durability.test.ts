/**
 * kill -9 during concurrent usage ingest, with real processes and a real database file: every
 * acknowledged batch is fully counted, no batch is counted in part, the hourly and daily totals
 * agree with the events, and the database is intact.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, expect, it } from "vitest";
import { processRunner } from "./support/server-process.js";

const dataDir = mkdtempSync(join(tmpdir(), "contacts-usage-durability-"));
const runner = processRunner({
  LOG_LEVEL: "warn",
  PORT: "0",
  HOST: "127.0.0.1",
  RATE_LIMIT_RPS: "0",
});
afterAll(() => {
  runner.killAll();
  rmSync(dataDir, { recursive: true, force: true });
});

const KEY_PATTERN = /ck_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/;
const BATCH = 200;
const WORKERS = 8;

it("kill -9 mid-ingest: acknowledged batches whole, the others whole or absent", async () => {
  const databasePath = join(dataDir, "usage-crash.db");
  const server = await runner.startServer({ DATABASE_URL: databasePath, LOG_LEVEL: "info" });
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

  const db = new Database(databasePath);
  try {
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    const count = db.prepare("SELECT count(*) AS n FROM usage_events WHERE event_id LIKE ?");
    const counted = (batch: string) => (count.get(`${batch}-%`) as { n: number }).n;
    const partial: string[] = [];
    const lost: string[] = [];
    for (const batch of sent) {
      const n = counted(batch);
      if (n !== 0 && n !== BATCH) partial.push(`${batch}: ${n}`);
      if (acknowledged.includes(batch) && n !== BATCH) lost.push(`${batch}: ${n}`);
    }
    expect(lost).toEqual([]);
    expect(partial).toEqual([]);
    // The totals were written in the events' transactions: they agree with the events.
    const totals = (table: string) =>
      db
        .prepare(`SELECT sum(requests) AS r, sum(errors) AS e, sum(cost_micros) AS c FROM ${table}`)
        .get();
    const events = db
      .prepare("SELECT count(*) AS r, sum(error) AS e, sum(cost_micros) AS c FROM usage_events")
      .get();
    expect(totals("usage_hourly")).toEqual(events);
    expect(totals("usage_daily")).toEqual(events);
    expect((events as { r: number }).r).toBeGreaterThanOrEqual(acknowledged.length * BATCH);
  } finally {
    db.close();
  }
}, 90_000);
