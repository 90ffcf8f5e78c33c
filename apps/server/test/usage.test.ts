/**
 * POST /v2/usage, metrics, GET /v2/contacts/{id}/usage and GET /v2/usage/top against the real
 * server, with an injected clock: dedupe, all-or-nothing batches, the 30-day edge, exact sums,
 * buckets and their limits, top lists, deletes, retention and workspace isolation.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DAY_MS, HOUR_MS } from "../src/usage/usage-rules.js";
import { startTestServer, type TestServer, type TestWorkspace } from "./support/test-server.js";

// 2026-03-10T12:30:00Z: mid-hour, so hour edges are exercised.
const START = Date.UTC(2026, 2, 10, 12, 30);
let clock = START;
let server: TestServer;
let ws: TestWorkspace;
let n = 0;

interface Event {
  id: string;
  contact: string;
  timestamp: string;
  cost: number;
  tokens: number;
  error?: boolean;
  [field: string]: unknown;
}
const event = (contact: string, at: number, extra: Partial<Event> = {}): Event => ({
  id: `e${++n}`,
  contact,
  timestamp: new Date(at).toISOString(),
  cost: 0.1,
  tokens: 10,
  ...extra,
});
const post = (w: TestWorkspace, events: unknown[]) =>
  w.fetch("/v2/usage", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ events }),
  });
const record = async (w: TestWorkspace, events: unknown[]) => {
  const res = await post(w, events);
  expect(res.status).toBe(200);
  return res.json() as Promise<{ accepted: number; duplicates: number; contacts_created: number }>;
};
const metricsOf = async (w: TestWorkspace, ref: string) => {
  const res = await w.fetch(`/v2/contacts/${encodeURIComponent(ref)}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { metrics: Record<string, number> }).metrics;
};
const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

beforeAll(async () => {
  server = await startTestServer({ now: () => clock });
});
beforeEach(async () => {
  clock = START;
  ws = await server.workspace();
});
afterAll(async () => {
  expect(server.specProblems()).toEqual([]);
  await server.close();
});

describe("POST /v2/usage", () => {
  it("counts an event id once per workspace, the first one winning, in a batch or across batches", async () => {
    const first = event("dup_user", clock, { cost: 1 });
    expect(await record(ws, [first, { ...first, cost: 5 }])).toEqual({
      accepted: 1,
      duplicates: 1,
      contacts_created: 1,
    });
    expect(await record(ws, [{ ...first, tokens: 999, contact: "someone_else" }])).toEqual({
      accepted: 0,
      duplicates: 1,
      contacts_created: 0,
    });
    expect(await metricsOf(ws, "dup_user")).toEqual({
      total_cost: 1,
      total_tokens: 10,
      total_requests: 1,
      error_rate: 0,
    });
    // The duplicate named another external_id: no contact was made for it.
    expect((await ws.fetch("/v2/contacts/someone_else")).status).toBe(404);
  });

  it("refuses the whole batch when one event is invalid, naming it, and stores nothing", async () => {
    const events = [
      event("batch_a", clock),
      event("batch_b", clock),
      event("batch_c", clock),
      { ...event("batch_d", clock), cost: -1 },
      { ...event("batch_e", clock), timestamp: new Date(clock + 6 * 60_000).toISOString() },
    ];
    const res = await post(ws, events);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { details: { path: string }[] };
    expect(body.details.map((d) => d.path)).toContain("/body/events/3/cost");
    const future = await post(ws, [event("batch_a", clock), events[4]]);
    expect(((await future.json()) as { details: unknown }).details).toEqual([
      { path: "/body/events/1/timestamp", message: "must be at most 5 minutes in the future" },
    ]);
    expect((await ws.fetch("/v2/contacts/batch_a")).status).toBe(404);
  });

  it("accepts a timestamp up to 5 minutes ahead, refuses one older than the retention", async () => {
    expect((await record(ws, [event("edge", clock + 5 * 60_000)])).accepted).toBe(1);
    const old = await post(ws, [event("edge", clock - 401 * DAY_MS)]);
    expect(old.status).toBe(400);
  });

  it("answers 422 unknown_contact for an _id the workspace lacks, and rolls back the batch", async () => {
    const ghost = "contact_01ARZ3NDEKTSV4RRFFQ69G5FAV";
    const res = await post(ws, [event("made_then_undone", clock), event(ghost, clock)]);
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({
      code: "unknown_contact",
      event_index: 1,
      details: [{ path: "/body/events/1/contact", message: "no contact has this _id" }],
    });
    expect((await ws.fetch("/v2/contacts/made_then_undone")).status).toBe(404);
    // The refused batch would have made the workspace's first contact (and its search index).
    expect((await record(ws, [event("made_after", clock)])).contacts_created).toBe(1);
    const found = (await (await ws.fetch("/v2/contacts?search=made_after")).json()) as {
      data: unknown[];
    };
    expect(found.data).toHaveLength(1);
  });

  it("creates the contact of a new external_id, and uses an existing _id", async () => {
    const result = await record(ws, [
      event("new_1", clock),
      event("new_1", clock),
      event("new_2", clock),
    ]);
    expect(result).toEqual({ accepted: 3, duplicates: 0, contacts_created: 2 });
    const created = (await (await ws.fetch("/v2/contacts/new_1")).json()) as { _id: string };
    expect((await record(ws, [event(created._id, clock)])).contacts_created).toBe(0);
    expect((await metricsOf(ws, "new_1")).total_requests).toBe(3);
  });

  it("takes an external_id in NFC, as every other way in, and refuses invisible characters", async () => {
    const nfd = "ren\u0065\u0301e"; // "renée" spelled with a combining accent
    const first = await record(ws, [event(nfd, clock), event("ren\u00e9e", clock)]);
    expect(first).toEqual({ accepted: 2, duplicates: 0, contacts_created: 1 });
    const contact = (await (await ws.fetch(`/v2/contacts/${encodeURIComponent(nfd)}`)).json()) as {
      external_id: string;
      metrics: { total_requests: number };
    };
    expect(contact.external_id).toBe("ren\u00e9e");
    expect(contact.metrics.total_requests).toBe(2);
    const series = await ws.fetch(`/v2/contacts/${encodeURIComponent(nfd)}/usage`);
    expect(series.status).toBe(200);
    const refused = await post(ws, [event("zero\u200bwidth", clock)]);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({
      details: [expect.objectContaining({ path: "/body/events/0/contact" })],
    });
  });

  it("takes 1000 events with every field at its longest (2 MiB limit), and refuses 1001", async () => {
    const long = (c: string, length: number) => c.repeat(length);
    const events = Array.from({ length: 1000 }, (_, i) => ({
      id: `${i}`.padStart(4, "0") + long("😀", 124),
      contact: `${i % 10}`.padStart(2, "0") + long("😀", 118),
      timestamp: "2026-03-10T12:29:59.999999+00:00",
      cost: 999999.999999,
      tokens: 1_000_000_000,
      error: true,
      model: long("😀", 128),
      input_tokens: 1_000_000_000,
      output_tokens: 1_000_000_000,
      latency_ms: 86_399_999.999,
    }));
    const body = JSON.stringify({ events });
    expect(body.length).toBeGreaterThan(128 * 1024);
    expect((await record(ws, events)).accepted).toBe(1000);
    const tooMany = await post(ws, [...events, event("x", clock)]);
    expect(tooMany.status).toBe(400);
  });
});

describe("metrics", () => {
  it("are exact sums in micro-USD, with error_rate = errors / requests", async () => {
    await record(ws, [
      event("exact", clock, { cost: 0.1 }),
      event("exact", clock, { cost: 0.2, error: true }),
      event("exact", clock, { cost: 0.0000004 }), // rounds to 0 micro-USD
      event("exact", clock, { cost: 0.0000006 }), // rounds to 1 micro-USD
    ]);
    expect(await metricsOf(ws, "exact")).toEqual({
      total_cost: 0.300001,
      total_tokens: 40,
      total_requests: 4,
      error_rate: 0.25,
    });
  });

  it("cover the current hour and the 719 before it, and move with the clock", async () => {
    const hourStart = Math.floor(clock / HOUR_MS) * HOUR_MS;
    const windowStart = hourStart - 719 * HOUR_MS;
    await record(ws, [
      event("edge30", windowStart, { tokens: 1 }),
      event("edge30", windowStart - 1, { tokens: 100 }),
      event("edge30", windowStart + 24 * HOUR_MS + 5, { tokens: 1000 }),
    ]);
    expect((await metricsOf(ws, "edge30")).total_tokens).toBe(1001);
    clock = hourStart + HOUR_MS; // the next hour: windowStart's hour leaves the window
    expect((await metricsOf(ws, "edge30")).total_tokens).toBe(1000);
    clock = hourStart + 25 * HOUR_MS;
    expect((await metricsOf(ws, "edge30")).total_tokens).toBe(0);
  });

  it("come from the hourly and daily totals, not from the events", async () => {
    await record(ws, [event("rollup", clock, { tokens: 7 })]);
    await server.sql("DELETE FROM usage_events WHERE workspace_id = ?", ws.workspaceId);
    expect((await metricsOf(ws, "rollup")).total_tokens).toBe(7);
    const page = (await (await ws.fetch("/v2/contacts?limit=5")).json()) as {
      data: { external_id: string; metrics: { total_tokens: number } }[];
    };
    expect(page.data.find((c) => c.external_id === "rollup")?.metrics.total_tokens).toBe(7);
  });

  it("never include another workspace's usage; the same event ids count anew there", async () => {
    const other = await server.workspace();
    const shared = event("shared_name", clock, { tokens: 3 });
    await record(ws, [shared]);
    expect((await record(other, [{ ...shared, tokens: 4 }])).accepted).toBe(1);
    expect((await metricsOf(ws, "shared_name")).total_tokens).toBe(3);
    expect((await metricsOf(other, "shared_name")).total_tokens).toBe(4);
    const mine = (await (await ws.fetch("/v2/contacts/shared_name")).json()) as { _id: string };
    expect((await post(other, [event(mine._id, clock)])).status).toBe(422);
  });
});

describe("GET /v2/contacts/{id}/usage", () => {
  it("lists every bucket of the period in order, zeros included", async () => {
    await record(ws, [event("series", clock, { cost: 0.5 }), event("series", clock - 2 * HOUR_MS)]);
    const res = await ws.fetch(
      `/v2/contacts/series/usage?${q({
        granularity: "hour",
        from: new Date(clock - 3 * HOUR_MS).toISOString(),
        to: new Date(clock).toISOString(),
      })}`,
    );
    const body = (await res.json()) as {
      data: { start: string; total_requests: number; total_cost: number }[];
    };
    expect(body.data.map((b) => [b.start, b.total_requests])).toEqual([
      ["2026-03-10T09:00:00.000Z", 0],
      ["2026-03-10T10:00:00.000Z", 1],
      ["2026-03-10T11:00:00.000Z", 0],
      ["2026-03-10T12:00:00.000Z", 1],
    ]);
    const daily = (await (await ws.fetch("/v2/contacts/series/usage")).json()) as {
      data: { start: string; total_cost: number }[];
    };
    expect(daily.data).toHaveLength(30);
    expect(daily.data.at(-1)).toMatchObject({ start: "2026-03-10T00:00:00.000Z", total_cost: 0.6 });
  });

  it.each([
    [
      "745 hours",
      { granularity: "hour", from: "2026-01-01T00:00:00Z", to: "2026-02-01T01:00:00Z" },
    ],
    ["401 days", { granularity: "day", from: "2025-01-01T00:00:00Z", to: "2026-02-06T00:00:00Z" }],
    ["from after to", { from: "2026-03-02T00:00:00Z", to: "2026-03-01T00:00:00Z" }],
  ])("refuses %s with 400", async (_name, params) => {
    await record(ws, [event("limits", clock)]);
    const res = await ws.fetch(`/v2/contacts/limits/usage?${q(params)}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { details: { path: string }[] }).details[0]?.path).toBe(
      "/query/from",
    );
  });

  it("takes 744 hours and 400 days", async () => {
    await record(ws, [event("maxed", clock)]);
    const hours = { granularity: "hour", from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z" };
    const days = { granularity: "day", from: "2025-01-01T00:00:00Z", to: "2026-02-05T00:00:00Z" };
    for (const [params, length] of [
      [hours, 744],
      [days, 400],
    ] as const) {
      const res = await ws.fetch(`/v2/contacts/maxed/usage?${q(params)}`);
      expect(((await res.json()) as { data: unknown[] }).data).toHaveLength(length);
    }
  });
});

describe("GET /v2/usage/top", () => {
  it("ranks contacts by the chosen total over the days, largest first, non-zero only", async () => {
    await record(ws, [
      event("big_spender", clock, { cost: 5, tokens: 1 }),
      event("chatty", clock, { cost: 1, tokens: 500 }),
      event("chatty", clock, { cost: 1, tokens: 500, error: true }),
      event("old_timer", clock - 40 * DAY_MS, { cost: 100 }),
    ]);
    const top = async (params: Record<string, string>) =>
      (
        (await (await ws.fetch(`/v2/usage/top?${q(params)}`)).json()) as {
          data: { contact: { external_id: string }; total_cost: number }[];
        }
      ).data.map((t) => [t.contact.external_id, t.total_cost]);
    expect(await top({})).toEqual([
      ["big_spender", 5],
      ["chatty", 2],
    ]);
    expect(await top({ by: "tokens" })).toEqual([
      ["chatty", 2],
      ["big_spender", 5],
    ]);
    expect(await top({ by: "errors" })).toEqual([["chatty", 2]]);
    expect(await top({ from: "2026-01-01", to: "2026-03-11", limit: "1" })).toEqual([
      ["old_timer", 100],
    ]);
    expect(
      (await ws.fetch(`/v2/usage/top?${q({ from: "2025-01-01", to: "2026-03-01" })}`)).status,
    ).toBe(400);
  });
});

describe("deleting a contact and retention", () => {
  it("deletes the contact's usage with it; its event ids count anew afterwards", async () => {
    const e = event("to_delete", clock, { tokens: 9 });
    await record(ws, [e]);
    expect((await ws.fetch("/v2/contacts/to_delete", { method: "DELETE" })).status).toBe(204);
    const [left] = await server.sql(
      "SELECT count(*) AS n FROM usage_hourly WHERE workspace_id = ?",
      ws.workspaceId,
    );
    expect(Number(left?.n)).toBe(0);
    expect(await record(ws, [e])).toEqual({ accepted: 1, duplicates: 0, contacts_created: 1 });
    expect((await metricsOf(ws, "to_delete")).total_tokens).toBe(9);
  });

  it("prunes days past the retention, events and totals, and keeps the rest", async () => {
    const short = await startTestServer({ now: () => clock, usageRetentionDays: 31 });
    try {
      const w = await short.workspace();
      await record(w, [event("kept", clock - 30 * DAY_MS), event("kept", clock)]);
      clock += 2 * DAY_MS;
      const { usageService } = await import("../src/usage/usage-service.js");
      const usage = usageService({
        store: short.stores.usage,
        contacts: short.stores.contacts,
        ids: { contactId: () => "", requestId: () => "" },
        now: () => clock,
        retentionDays: 31,
      });
      expect(await usage.prune()).toBe(1);
      const count = async (table: string) =>
        Number((await short.sql(`SELECT count(*) AS n FROM ${table}`))[0]?.n);
      expect([
        await count("usage_events"),
        await count("usage_hourly"),
        await count("usage_daily"),
      ]).toEqual([1, 1, 1]);
      expect((await metricsOf(w, "kept")).total_requests).toBe(1);
    } finally {
      await short.close();
    }
  });
});

describe("ETags over metrics", () => {
  const get = (path: string, ifNoneMatch?: string) =>
    ws.fetch(path, { headers: ifNoneMatch ? { "if-none-match": ifNoneMatch } : {} });
  const patch = (path: string, ifMatch: string) =>
    ws.fetch(path, {
      method: "PATCH",
      headers: { "content-type": "application/json", "if-match": ifMatch },
      body: JSON.stringify({ display_name: "changed" }),
    });

  it.each([
    ["a contact", (id: string) => `/v2/contacts/${id}`],
    ["an identity with metrics", (id: string) => `/v2/identities/${id}?include_metrics=true`],
  ])(
    "never answers 304 over metrics that moved (%s); If-Match still follows the version",
    async (_name, pathOf) => {
      await record(ws, [event("etag_user", clock)]);
      const { _id: id } = (await (await ws.fetch("/v2/contacts/etag_user")).json()) as {
        _id: string;
      };
      const path = pathOf(id);
      const before = (await get(path)).headers.get("etag") as string;
      expect((await get(path, before)).status).toBe(304);

      await record(ws, [event("etag_user", clock, { cost: 2 })]);
      const moved = await get(path, before);
      expect(moved.status).toBe(200);
      const after = moved.headers.get("etag") as string;
      expect(after).not.toBe(before);
      expect((await get(path, after)).status).toBe(304);
      expect((await get(path, `W/${after}`)).status).toBe(304);

      // The metrics leave the 30-day window as the clock moves: the tag moves with them.
      clock += 31 * DAY_MS;
      const aged = await get(path, after);
      expect(aged.status).toBe(200);
      expect(aged.headers.get("etag")).not.toBe(after);

      // A write is conditional on the contact's version, whatever metrics its tag was read with.
      const writePath = path.replace(/\?.*$/, "");
      expect((await patch(writePath, before)).status).toBe(200);
      expect((await patch(writePath, after)).status).toBe(412);
    },
  );
});
