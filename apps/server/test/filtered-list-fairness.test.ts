/**
 * Filtered lists (search, tags) on the list worker over HTTP: a workspace that floods them is
 * refused past its share with 429 (its own RateLimit-Policy), while another workspace's calls
 * go on being answered.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer, type TestWorkspace } from "./support/test-server.js";

let dir: string;
let server: TestServer;
let flooder: TestWorkspace;
let other: TestWorkspace;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "contacts-fairness-"));
  server = await startTestServer({
    databasePath: join(dir, "contacts.db"),
    listWorkers: 1,
    maxQueuedLists: 2,
  });
  flooder = await server.workspace();
  other = await server.workspace();
  for (const ws of [flooder, other]) {
    for (let i = 0; i < 30; i++) {
      await ws.client.contacts.create({ external_id: `person-${i}`, tags: ["all"] });
    }
  }
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

it("refuses a workspace's filtered lists past its share in flight, and serves the others", async () => {
  const flood = Array.from({ length: 24 }, () =>
    flooder.fetch("/v2/contacts?search=person&tags=all&limit=50"),
  );
  const others = Array.from({ length: 2 }, () =>
    other.fetch("/v2/contacts?search=person&tags=all&limit=50"),
  );
  const [flooded, served] = await Promise.all([Promise.all(flood), Promise.all(others)]);
  const refused = flooded.filter((res) => res.status === 429);
  expect(refused.length).toBeGreaterThan(0);
  expect(flooded.filter((res) => res.status === 200).length).toBeGreaterThanOrEqual(2);
  expect(served.map((res) => res.status)).toEqual([200, 200]);
  const [first] = refused;
  expect(first?.headers.get("retry-after")).toBe("1");
  expect(first?.headers.get("ratelimit-policy")).toBe('"filtered-lists";q=2;w=1');
  expect(await first?.json()).toMatchObject({ code: "rate_limited" });
});

it("every response conforms to openapi.yaml", () => {
  expect(server.specProblems()).toEqual([]);
});
