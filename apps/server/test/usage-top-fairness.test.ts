/**
 * Top lists over periods other than the default one, on the list worker over HTTP: while one
 * workspace asks for such a (slow) top list in a loop, another workspace's retrieve and list calls
 * go on being answered at once; past its share in flight the asking workspace gets 429 (the
 * filtered-lists policy), and its default-period top list (the window, read inline) still answers.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { SqliteStores } from "../src/server-store.js";
import { DAY_MS } from "../src/usage/usage-rules.js";
import { startTestServer, type TestServer, type TestWorkspace } from "./support/test-server.js";

const CONTACTS = 1000;
/** Days of usage per contact before yesterday: CONTACTS × DAYS daily totals for a top list to sum. */
const DAYS = 200;

let dir: string;
let server: TestServer;
let heavy: TestWorkspace;
let other: TestWorkspace;
let otherId: string;

const today = Math.floor(Date.now() / DAY_MS);
const date = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
/** Not the default period: summed from every contact's daily totals at request time. */
const slowTop = `/v2/usage/top?by=cost&limit=10&from=${date(today - DAYS - 1)}&to=${date(today)}`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "contacts-top-fairness-"));
  server = await startTestServer({ databasePath: join(dir, "contacts.db"), listWorkers: 1 });
  heavy = await server.workspace();
  other = await server.workspace();
  // The heavy workspace's contacts, made by their first events (yesterday) through the API.
  const events = Array.from({ length: CONTACTS }, (_, i) => ({
    id: `first-${i}`,
    contact: `user-${i}`,
    timestamp: new Date((today - 1) * DAY_MS + i).toISOString(),
    cost: 0.001,
    tokens: 1,
  }));
  expect((await heavy.fetch("/v2/usage", post({ events }))).status).toBe(200);
  // Then the daily totals a long history leaves (top lists read those, never the events), written
  // in SQL: seeding 200,000 events through the API would take the test a minute.
  (server.stores as SqliteStores).database
    .prepare(
      `WITH RECURSIVE d(day) AS (SELECT ? UNION ALL SELECT day + 1 FROM d WHERE day + 1 < ?)
       INSERT INTO usage_daily (workspace_id, contact_id, day, cost_micros, tokens, requests, errors)
       SELECT c.workspace_id, c.id, d.day, (c.rowid * 7919 + d.day) % 1000 + 1, 1, 1, 0
       FROM contacts c, d WHERE c.workspace_id = ?`,
    )
    .run(today - 1 - DAYS, today - 1, heavy.workspaceId);
  // The first default-period top list of the day builds the window; done here, not in the test.
  expect((await heavy.fetch("/v2/usage/top?by=cost")).status).toBe(200);
  for (let i = 0; i < 20; i++) {
    otherId = (await other.client.contacts.create({ external_id: `person-${i}` }))._id;
  }
  // Each route's first request compiles its validators (hundreds of ms): not what is measured.
  expect((await other.fetch(`/v2/contacts/${otherId}`)).status).toBe(200);
  expect((await other.fetch("/v2/contacts?limit=10")).status).toBe(200);
}, 120_000);
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

it("answers another workspace at once while one asks for slow top lists in a loop", async () => {
  // How long the heavy workspace's top list takes alone: it must be slow for the test to mean much.
  const alone: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    const res = await heavy.fetch(slowTop);
    alone.push(performance.now() - started);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: unknown[] }).data).toHaveLength(10);
  }
  const slow = alone.sort((a, b) => a - b)[1] as number; // the median
  expect(slow).toBeGreaterThan(100);

  // Four loops of the heavy workspace's top list, while the other workspace retrieves and lists.
  let done = false;
  let heavyCalls = 0;
  const heavyStatuses = new Set<number>();
  const loops = Array.from({ length: 4 }, async () => {
    while (!done) {
      const res = await heavy.fetch(slowTop);
      await res.arrayBuffer();
      heavyStatuses.add(res.status);
      heavyCalls++;
    }
  });
  const durations: number[] = [];
  const statuses = new Set<number>();
  try {
    const deadline = performance.now() + 6 * slow;
    while (performance.now() < deadline || durations.length < 20) {
      const started = performance.now();
      const res =
        durations.length % 2 === 0
          ? await other.fetch(`/v2/contacts/${otherId}`)
          : await other.fetch("/v2/contacts?limit=10");
      await res.arrayBuffer();
      durations.push(performance.now() - started);
      statuses.add(res.status);
    }
  } finally {
    done = true;
    await Promise.all(loops);
  }
  expect([...statuses]).toEqual([200]);

  // The heavy workspace's calls ran the whole time (each one slow), and none was refused.
  expect(heavyCalls).toBeGreaterThanOrEqual(4);
  expect([...heavyStatuses]).toEqual([200]);
  // On the event loop (LIST_WORKERS=0), the other workspace's calls wait behind whole top lists:
  // its p99 was then seconds; here it is what a busy 2-core machine adds to a few ms.
  durations.sort((a, b) => a - b);
  const p99 = durations[Math.ceil(durations.length * 0.99) - 1] as number;
  expect(p99).toBeLessThan(slow / 2);
});

it("refuses the asking workspace past 16 calls in flight, and still answers its default period", async () => {
  const flood = Array.from({ length: 24 }, () => heavy.fetch(slowTop));
  // Sent once the flood is queued: the window's top list is read inline, outside the queue.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const windowTop = await heavy.fetch("/v2/usage/top?by=cost&limit=10");
  const flooded = await Promise.all(flood);
  expect(windowTop.status).toBe(200);
  const refused = flooded.filter((res) => res.status === 429);
  // 16 in flight are taken (more may be, as earlier ones finish); the rest are refused.
  expect(flooded.filter((res) => res.status === 200).length).toBeGreaterThanOrEqual(16);
  expect(refused.length).toBeGreaterThan(0);
  const [first] = refused;
  expect(first?.headers.get("retry-after")).toBe("1");
  expect(first?.headers.get("ratelimit-policy")).toBe('"filtered-lists";q=16;w=1');
  expect(await first?.json()).toMatchObject({ code: "rate_limited" });
  // The other workspace's share is its own.
  expect((await other.fetch("/v2/contacts?search=person&limit=5")).status).toBe(200);
});

it("every response conforms to openapi.yaml", () => {
  expect(server.specProblems()).toEqual([]);
});

function post(body: unknown): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  };
}
