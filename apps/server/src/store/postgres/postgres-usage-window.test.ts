// The PostgreSQL usage store's top-list window against a brute-force sum of the raw events: after
// ingest, rolled by days, by whole windows and backwards, under pruning that reaches into it and
// contact deletes; and with two pools (two replicas) ingesting for one contact while rolling.
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../../test/support/postgres-databases.js";
import {
  A,
  B,
  events,
  newContact,
  RANKINGS,
  rollWithIngest,
  TODAY,
  TOTAL_FIELD,
} from "../../../test/support/usage-store-fixtures.js";
import { DEFAULT_POSTGRES_SETTINGS } from "../../config.js";
import type { TopBy } from "../../usage/usage.js";
import { DAY_MS, TOP_WINDOW_DAYS } from "../../usage/usage-rules.js";
import { USAGE_WINDOW_LOCK_CLASS } from "./migrations.js";
import { openPool, type Pool } from "./pool.js";
import { PostgresContactStore } from "./postgres-contact-store.js";
import { PostgresUsageStore } from "./postgres-usage-store.js";

const dropped: (() => Promise<void>)[] = [];
let url: string;
let pool: Pool;
let store: PostgresUsageStore;

beforeEach(async () => {
  const database = await createTestDatabase();
  dropped.push(database.drop);
  url = database.url;
  pool = openPool(url);
  for (const id of [A, B]) {
    await pool.query("INSERT INTO workspaces (id, name, created_at) VALUES ($1, $2, 0)", [id, id]);
  }
  store = new PostgresUsageStore(pool);
});
afterEach(async () => {
  await pool.end();
});
afterAll(async () => {
  for (const drop of dropped) await drop();
});

/** The workspace's top list over the days [from, to), summed from its stored events. */
async function bruteForce(workspaceId: string, by: TopBy, from: number, to: number) {
  const column = { cost: "cost_micros", tokens: "tokens", requests: "1", errors: "error::int" }[by];
  const { rows } = await pool.query<{ id: string; total: number }>(
    `SELECT contact_id AS id, sum(${column})::bigint AS total FROM usage_events
     WHERE workspace_id = $1 AND ts >= $2 AND ts < $3
     GROUP BY contact_id HAVING sum(${column}) > 0
     ORDER BY total DESC, contact_id DESC LIMIT 100`,
    [workspaceId, from * DAY_MS, to * DAY_MS],
  );
  return rows;
}

async function expectWindowExact(workspaceId: string, firstDay: number) {
  const { rows } = await pool.query<{ first_day: number }>(
    "SELECT first_day FROM usage_window_start WHERE workspace_id = $1",
    [workspaceId],
  );
  expect(rows[0]?.first_day).toBe(firstDay);
  for (const by of RANKINGS) {
    const top = await store.top(workspaceId, by, firstDay, firstDay + TOP_WINDOW_DAYS, 100);
    expect(
      top.map((t) => ({ id: t.contact.id, total: t.totals[TOTAL_FIELD[by]] })),
      `${by} from day ${firstDay}`,
    ).toEqual(await bruteForce(workspaceId, by, firstDay, firstDay + TOP_WINDOW_DAYS));
  }
  // Rows without usage left the window: none lingers at zero, none outlives its contact.
  const { rows: empty } = await pool.query("SELECT 1 FROM usage_window WHERE requests <= 0");
  expect(empty).toEqual([]);
  const { rows: orphans } = await pool.query(
    `SELECT 1 FROM usage_window w WHERE NOT EXISTS
       (SELECT 1 FROM contacts c WHERE c.workspace_id = w.workspace_id AND c.id = w.contact_id)`,
  );
  expect(orphans).toEqual([]);
}

describe("the top-list window on PostgreSQL", () => {
  it("equals the sum of the daily totals after ingest, and stays exact as it rolls by days, by whole windows and backwards", async () => {
    await rollWithIngest(store, expectWindowExact);
    // The window is read: its index walk, not a sum of the daily totals (see the plan below).
    const { rows } = await pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM usage_window WHERE workspace_id = $1",
      [A],
    );
    expect(rows[0]?.n).toBeGreaterThan(0);
  });

  it("follows the days that pruning deletes from it, and deleted contacts", async () => {
    await store.record(A, events("a1", 3), newContact(A));
    await store.record(B, events("b1", 4), newContact(B));
    const first = TODAY - 50;
    expect(await store.rollWindows(first)).toBe(2);
    expect(await store.rollWindows(first)).toBe(0);
    // Pruning reaches 10 days into the window, in small batches.
    while ((await store.prune(first + 10, 7)) === 7) {}
    await expectWindowExact(A, first);
    await expectWindowExact(B, first);
    const { rows } = await pool.query<{ contact_id: string }>(
      "SELECT contact_id FROM usage_window WHERE workspace_id = $1 ORDER BY requests DESC LIMIT 1",
      [A],
    );
    await pool.query("DELETE FROM contacts WHERE workspace_id = $1 AND id = $2", [
      A,
      rows[0]?.contact_id,
    ]);
    const { rows: left } = await pool.query(
      "SELECT 1 FROM usage_window WHERE workspace_id = $1 AND contact_id = $2",
      [A, rows[0]?.contact_id],
    );
    expect(left).toEqual([]);
    await expectWindowExact(A, first);
  });

  it("is only used for exactly its days; other periods sum the daily totals", async () => {
    await store.record(A, events("a1", 5), newContact(A));
    await store.rollWindow(A, TODAY - 29);
    // Corrupt the window: a period that is not it must not read it.
    await pool.query("UPDATE usage_window SET cost_micros = cost_micros + 1000");
    const shifted = await store.top(A, "cost", TODAY - 30, TODAY, 100);
    expect(shifted.map((t) => ({ id: t.contact.id, total: t.totals.costMicros }))).toEqual(
      await bruteForce(A, "cost", TODAY - 30, TODAY),
    );
    const window = await store.top(A, "cost", TODAY - 29, TODAY + 1, 1);
    expect(window[0]?.totals.costMicros).toBeGreaterThanOrEqual(1000);
  });

  it("rolls whatever the statement timeout: a cancelled roll would be retried forever", async () => {
    // 20,000 contacts active on the window's first day: a rebuild and a roll past that day
    // both take longer than this pool's 20 ms statement timeout.
    await pool.query(
      `INSERT INTO contacts (workspace_id, id, external_id, tags, metadata, search_text,
         created_at, updated_at, version)
       SELECT $1, 'contact_' || lpad(g::text, 26, '0'), 'bulk_' || g, '[]', '{}', '', 0, 0, 1
       FROM generate_series(1, 20000) g`,
      [A],
    );
    await pool.query(
      `INSERT INTO usage_events (workspace_id, event_id, contact_id, ts, cost_micros, tokens, error)
       SELECT $1, 'bulk-' || g, 'contact_' || lpad(g::text, 26, '0'), $2::bigint, g % 7, g % 11, g % 3 = 0
       FROM generate_series(1, 20000) g`,
      [A, (TODAY - 29) * DAY_MS],
    );
    await pool.query(
      `INSERT INTO usage_daily (workspace_id, contact_id, day, cost_micros, tokens, requests, errors)
       SELECT $1, 'contact_' || lpad(g::text, 26, '0'), $2::bigint, g % 7, g % 11, 1, (g % 3 = 0)::int
       FROM generate_series(1, 20000) g`,
      [A, TODAY - 29],
    );
    const hurried = openPool(url, { ...DEFAULT_POSTGRES_SETTINGS, statementTimeoutMs: 20 });
    try {
      const fast = new PostgresUsageStore(hurried);
      await expect(
        hurried.query("SELECT count(*) FROM usage_daily a, usage_daily b"),
      ).rejects.toThrow(/statement timeout/);
      await fast.rollWindow(A, TODAY - 29);
      await expectWindowExact(A, TODAY - 29);
      await fast.rollWindow(A, TODAY - 28);
      await expectWindowExact(A, TODAY - 28);
    } finally {
      await hurried.end();
    }
  });

  it("makes ingest and contact deletes wait for a roll longer than the statement timeout, not fail", async () => {
    await store.record(A, events("before", 3, 50), newContact(A));
    await store.rollWindow(A, TODAY - 29);
    const hurried = openPool(url, { ...DEFAULT_POSTGRES_SETTINGS, statementTimeoutMs: 50 });
    const roll = await pool.connect();
    try {
      // A roll's hold on the workspace's window lock (exclusive), for 10 statement timeouts.
      await roll.query("BEGIN");
      await roll.query(`SELECT pg_advisory_xact_lock(${USAGE_WINDOW_LOCK_CLASS}, hashtext($1))`, [
        A,
      ]);
      const waiting = new PostgresUsageStore(hurried).record(
        A,
        events("during", 4, 50),
        newContact(A),
      );
      const contacts = new PostgresContactStore(hurried);
      const deleting = contacts.delete(A, "user_1");
      await new Promise((resolve) => setTimeout(resolve, 500));
      await roll.query("COMMIT");
      expect((await waiting).accepted).toBeGreaterThan(0);
      expect(await deleting).toBe(true);
      // After the wait the connection's own timeout applies again.
      await expect(hurried.query("SELECT pg_sleep(1)")).rejects.toThrow(/statement timeout/);
      await expectWindowExact(A, TODAY - 29);
    } finally {
      roll.release();
      await hurried.end();
    }
  });

  it("has an index per ranking that the window's top list can walk without a sort", async () => {
    await store.record(A, events("a1", 6), newContact(A));
    await store.rollWindow(A, TODAY - 29);
    const client = await pool.connect();
    try {
      // A table this small is cheaper to scan: forbid it, to see that the index fits the query.
      await client.query("BEGIN");
      await client.query("SET LOCAL enable_seqscan = off");
      await client.query("SET LOCAL enable_sort = off");
      for (const by of RANKINGS) {
        const column = {
          cost: "cost_micros",
          tokens: "tokens",
          requests: "requests",
          errors: "errors",
        }[by];
        const { rows } = await client.query<{ "QUERY PLAN": string }>(
          `EXPLAIN SELECT contact_id FROM usage_window WHERE workspace_id = '${A}' AND ${column} > 0
           ORDER BY ${column} DESC, contact_id DESC LIMIT 10`,
        );
        const plan = rows.map((r) => r["QUERY PLAN"]).join("\n");
        expect(plan, by).toMatch(new RegExp(`Index (Only )?Scan using usage_window_by_${by} `));
        expect(plan, by).not.toContain("Sort");
      }
    } finally {
      await client.query("ROLLBACK");
      client.release();
    }
  });

  it("stays exact with two replicas ingesting for one contact at once while the window rolls and a contact is deleted", async () => {
    const other = openPool(url);
    try {
      const replicas = [store, new PostgresUsageStore(other)];
      // Most events on user_0: both replicas add to its totals row and window row at once.
      const batches = Array.from({ length: 24 }, (_, i) =>
        events(`r${i}`, 100 + i, 150, 3).map((e, j) => ({
          ...e,
          contactRef: j % 4 === 0 ? e.contactRef : "user_0",
        })),
      );
      let first = TODAY - 45;
      await store.record(A, events("before", 99, 50, 3), newContact(A));
      await store.rollWindow(A, first);
      const ingest = Promise.all(
        batches.map((batch, i) =>
          (replicas[i % 2] as PostgresUsageStore).record(A, batch, newContact(A)),
        ),
      );
      // Meanwhile both replicas roll it forward a day or two at a time, and once by a whole window.
      const steps = [1, 2, 1, 1, 3, 1, 2, 1];
      const rolls = (async () => {
        for (const [i, step] of steps.entries()) {
          first += step;
          await (replicas[i % 2] as PostgresUsageStore).rollWindow(A, first);
        }
      })();
      // And user_1 is deleted mid-way (later batches make a new user_1): none of its usage stays.
      const deleted = (async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const { rowCount } = await other.query(
          "DELETE FROM contacts WHERE workspace_id = $1 AND external_id = 'user_1'",
          [A],
        );
        expect(rowCount).toBe(1);
      })();
      const [outcomes] = await Promise.all([ingest, rolls, deleted]);
      expect(outcomes.reduce((n, o) => n + o.accepted, 0)).toBe(24 * 150);
      // Every event kept belongs to a contact that exists.
      const { rows: orphans } = await pool.query(
        `SELECT DISTINCT contact_id FROM usage_events e WHERE NOT EXISTS
           (SELECT 1 FROM contacts c WHERE c.workspace_id = e.workspace_id AND c.id = e.contact_id)`,
      );
      expect(orphans).toEqual([]);
      await expectWindowExact(A, first);
      // And it keeps rolling exactly from there.
      await store.rollWindow(A, first + 5);
      await expectWindowExact(A, first + 5);
    } finally {
      await other.end();
    }
  });
});
