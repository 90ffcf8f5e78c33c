// The SQLite usage store's top-list window against a brute-force sum of the raw events: rolled
// forward, backward and by whole windows, under pruning that reaches into it, contact deletes and
// a second workspace's usage.
import { beforeEach, describe, expect, it } from "vitest";
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
import type { TopBy } from "../../usage/usage.js";
import { DAY_MS, TOP_WINDOW_DAYS } from "../../usage/usage-rules.js";
import { openDatabase, type SqliteDatabase } from "./database.js";
import { SqliteUsageStore } from "./sqlite-usage-store.js";

let db: SqliteDatabase;
let store: SqliteUsageStore;

beforeEach(async () => {
  db = openDatabase(":memory:");
  for (const id of [A, B]) {
    db.prepare("INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, 0)").run(id, id);
  }
  store = new SqliteUsageStore(db);
});

/** The workspace's top list over the days [from, to), summed from its stored events. */
function bruteForce(workspaceId: string, by: TopBy, from: number, to: number) {
  const column = { cost: "cost_micros", tokens: "tokens", requests: "1", errors: "error" }[by];
  return db
    .prepare(
      `SELECT contact_id AS id, sum(${column}) AS total FROM usage_events
       WHERE workspace_id = ? AND ts >= ? AND ts < ?
       GROUP BY contact_id HAVING total > 0 ORDER BY total DESC, contact_id DESC LIMIT 100`,
    )
    .all(workspaceId, from * DAY_MS, to * DAY_MS);
}

async function expectWindowExact(workspaceId: string, firstDay: number) {
  const [window] = db
    .prepare("SELECT first_day FROM usage_window_start WHERE workspace_id = ?")
    .pluck()
    .all(workspaceId);
  expect(window).toBe(firstDay);
  for (const by of RANKINGS) {
    const top = await store.top(workspaceId, by, firstDay, firstDay + TOP_WINDOW_DAYS, 100);
    const column = { cost: "costMicros", tokens: "tokens", requests: "requests", errors: "errors" };
    expect(
      top.map((t) => ({ id: t.contact.id, total: t.totals[column[by] as "tokens"] })),
      `${by} from day ${firstDay}`,
    ).toEqual(bruteForce(workspaceId, by, firstDay, firstDay + TOP_WINDOW_DAYS));
  }
  // Rows without usage left the window: none lingers at zero.
  expect(db.prepare("SELECT count(*) FROM usage_window WHERE requests <= 0").pluck().get()).toBe(0);
}

describe("the top-list window", () => {
  it("stays exact as it rolls by days, by whole windows and backwards, with ingest between", async () => {
    await rollWithIngest(store, expectWindowExact);
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
    const victim = db
      .prepare("SELECT contact_id FROM usage_window WHERE workspace_id = ? LIMIT 1")
      .pluck()
      .get(A);
    db.prepare("DELETE FROM contacts WHERE id = ?").run(victim);
    await expectWindowExact(A, first);
  });

  it("answers periods near the window from it, exactly as the sum of their days", async () => {
    await store.record(A, events("a1", 5), newContact(A));
    await store.record(B, events("b1", 6), newContact(B));
    const first = TODAY - 29;
    await store.rollWindow(A, first);
    // Days before, inside and after the window, against the events themselves; limits small
    // (the walk stops early) and large (it reads the window through), ties frequent.
    const exactFor = async (from: number, to: number) => {
      for (const by of RANKINGS) {
        for (const limit of [1, 3, 100]) {
          const top = await store.top(A, by, from, to, limit);
          expect(
            top.map((t) => ({ id: t.contact.id, total: t.totals[TOTAL_FIELD[by]] })),
            `${by} over [${from - TODAY}, ${to - TODAY}) limit ${limit}`,
          ).toEqual(bruteForce(A, by, from, to).slice(0, limit));
        }
      }
    };
    for (let from = first - 6; from <= first + 6; from++) {
      for (let to = from + 24; to <= from + 36; to++) await exactFor(from, to);
    }
    // Pruning reaches into the window, and a contact goes: still exact.
    while ((await store.prune(first + 3, 50)) === 50) {}
    db.prepare("DELETE FROM contacts WHERE id = ?").run(
      db
        .prepare("SELECT contact_id FROM usage_window WHERE workspace_id = ? LIMIT 1")
        .pluck()
        .get(A),
    );
    await exactFor(first + 1, first + 30);
    await exactFor(first - 2, first + 29);

    // Which periods read the window: corrupted, it shows in one a day off, not in one far from it.
    db.prepare("UPDATE usage_window SET cost_micros = cost_micros + 1000").run();
    const shifted = await store.top(A, "cost", first - 1, first + 29, 100);
    expect(shifted[0]?.totals.costMicros).toBeGreaterThanOrEqual(1000);
    const far = await store.top(A, "cost", first - 30, first, 100);
    expect(far.map((t) => ({ id: t.contact.id, total: t.totals.costMicros }))).toEqual(
      bruteForce(A, "cost", first - 30, first),
    );
  });
});
