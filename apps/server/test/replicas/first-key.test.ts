/**
 * The first-start key when replicas start at once on an empty database: each runs
 * ensureFirstApiKey on its own pool, and exactly one key comes out of it (the others find it).
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { ensureFirstApiKey } from "../../src/first-start.js";
import type { Stores } from "../../src/server-store.js";
import { openPostgresStores } from "../../src/store/postgres/postgres-stores.js";
import { createTestDatabase } from "../support/postgres-databases.js";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let replicas: Stores[];

beforeAll(async () => {
  database = await createTestDatabase();
  replicas = await Promise.all(Array.from({ length: 6 }, () => openPostgresStores(database.url)));
});
afterAll(async () => {
  for (const stores of replicas ?? []) await stores.close();
  await database?.drop();
});

it("makes one first key between six replicas starting at once", async () => {
  const printed = await Promise.all(
    replicas.map((stores) => ensureFirstApiKey(stores.apiKeys, Date.now())),
  );
  expect(printed.filter((key) => key !== undefined)).toHaveLength(1);
  const keys = await (replicas[0] as Stores).apiKeys.listKeys();
  expect(keys.map((k) => k.workspaceName)).toEqual(["default"]);
});
