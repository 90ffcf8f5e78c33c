/**
 * Filtered lists (search, tags) on the list worker over HTTP: a workspace that floods them is
 * refused past its share with 429 (its own RateLimit-Policy), while another workspace's calls
 * go on being answered. While the test floods, a third workspace's slow top list holds the only
 * worker, so the flood piles up whatever the machine's speed (a filtered list over 30 contacts
 * alone takes under a millisecond: on a busy machine the flood's requests could each finish
 * before the next arrived, and none would be refused).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type SlowTopList, seedSlowTopList, timeSlowTopList } from "./support/slow-top-list.js";
import {
  durableDatabase,
  startTestServer,
  type TestServer,
  type TestWorkspace,
} from "./support/test-server.js";

let dir: string;
let database: Awaited<ReturnType<typeof durableDatabase>>;
let server: TestServer;
let flooder: TestWorkspace;
let other: TestWorkspace;
let holder: TestWorkspace;
let slowTop: SlowTopList;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "contacts-fairness-"));
  database = await durableDatabase(dir, "contacts.db");
  server = await startTestServer({
    ...database.options,
    listWorkers: 1,
    maxQueuedLists: 2,
  });
  flooder = await server.workspace();
  other = await server.workspace();
  holder = await server.workspace();
  slowTop = await seedSlowTopList(server, holder, { contacts: 2000, days: 200 });
  for (const ws of [flooder, other]) {
    for (let i = 0; i < 30; i++) {
      await ws.client.contacts.create({ external_id: `person-${i}`, tags: ["all"] });
    }
  }
}, 120_000);
afterAll(async () => {
  await server.close();
  await database.drop();
  rmSync(dir, { recursive: true, force: true });
});

it("refuses a workspace's filtered lists past its share in flight, and serves the others", async () => {
  // The holder's top list must take long enough for the flood to arrive while it runs.
  expect(await timeSlowTopList(holder, slowTop)).toBeGreaterThan(100);
  const held = holder.fetch(slowTop.path);
  // Sent once the holder's call has reached the worker.
  await new Promise((resolve) => setTimeout(resolve, 20));
  const flood = Array.from({ length: 24 }, () =>
    flooder.fetch("/v2/contacts?search=person&tags=all&limit=50"),
  );
  const others = Array.from({ length: 2 }, () =>
    other.fetch("/v2/contacts?search=person&tags=all&limit=50"),
  );
  const [flooded, served, holderRes] = await Promise.all([
    Promise.all(flood),
    Promise.all(others),
    held,
  ]);
  expect(holderRes.status).toBe(200);
  const refused = flooded.filter((res) => res.status === 429);
  // Two in flight are taken (more may be, as earlier ones finish); the rest are refused.
  expect(flooded.filter((res) => res.status === 200).length).toBeGreaterThanOrEqual(2);
  expect(refused.length).toBeGreaterThan(0);
  expect(served.map((res) => res.status)).toEqual([200, 200]);
  const [first] = refused;
  expect(first?.headers.get("retry-after")).toBe("1");
  expect(first?.headers.get("ratelimit-policy")).toBe('"filtered-lists";q=2;w=1');
  expect(await first?.json()).toMatchObject({ code: "rate_limited" });
});

it("every response conforms to openapi.yaml", () => {
  expect(server.specProblems()).toEqual([]);
});
