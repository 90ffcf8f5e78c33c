// The bound on examined candidates, on PostgreSQL: a short page is refused (query_too_broad)
// exactly when the driver's range holds more than the bound, whichever driver it is; counted
// from the driver's index range alone, or not at all where the driver was chosen within it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../../test/support/postgres-databases.js";
import { QueryTooBroadError } from "../../contacts/contact-errors.js";
import type { ListContactsQuery } from "../../contacts/contact-store.js";
import { createIdGenerator } from "../../ids.js";
import { openPostgresStores, type PostgresStores } from "./postgres-stores.js";

const W = "eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee";
/** The bound of this store: a few rows, so that the tests reach it with a few contacts. */
const BOUND = 6;

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let stores: PostgresStores;
const ids = createIdGenerator();
let now = Date.UTC(2026, 0, 1);

beforeAll(async () => {
  database = await createTestDatabase();
  stores = await openPostgresStores(database.url, { maxExaminedRows: BOUND, listSlots: 0 });
  await stores.pool.query("INSERT INTO workspaces (id, name, created_at) VALUES ($1, 'w', 0)", [W]);
  // 10 contacts named "person N", all tagged "all"; "odd" on 5 of them, "rare" on one; one
  // contact also holds the term "zebra".
  for (let i = 0; i < 10; i++) {
    await stores.contacts.create(W, {
      id: ids.contactId(now++),
      externalId: `person-${i}`,
      displayName: i === 3 ? "person zebra" : `person ${i}`,
      email: null,
      avatarUrl: null,
      tags: ["all", ...(i % 2 ? ["odd"] : []), ...(i === 7 ? ["rare"] : [])],
      metadata: {},
      createdAt: now,
    });
  }
});

afterAll(async () => {
  await stores?.close();
  await database?.drop();
});

const names = async (query: Omit<ListContactsQuery, "limit">) =>
  (await stores.contacts.list(W, { limit: 5, ...query })).contacts.map((c) => c.externalId);

describe("a short page, by driver", () => {
  it("tag: refused when the tag is on more contacts than the bound", async () => {
    // "all" is on 10 (> 6), and "zz" is in no one's fields: the page stays empty.
    await expect(names({ search: "zz", tags: ["all"] })).rejects.toBeInstanceOf(QueryTooBroadError);
  });

  it("tag: answered when the tag is within the bound", async () => {
    // "odd" is on 5 (≤ 6): every candidate was read, and the page is exact.
    expect(await names({ search: "zz", tags: ["odd"] })).toEqual([]);
    expect(await names({ search: "9", tags: ["odd"] })).toEqual(["person-9"]);
  });

  it("the id index: refused past the bound, answered within it", async () => {
    // A 2-character term, no tag: only the id index drives; 10 contacts > 6.
    await expect(names({ search: "zz" })).rejects.toBeInstanceOf(QueryTooBroadError);
    // From a cursor with 5 contacts left behind it: within the bound.
    const all = (await stores.contacts.list(W, { limit: 10 })).contacts;
    expect(await names({ search: "zz", startingAfter: all[4]?.id as string })).toEqual([]);
  });

  it("a term of 3+ characters within the bound: answered, never refused", async () => {
    expect(await names({ search: "zebra", tags: ["all"] })).toEqual(["person-3"]);
    expect(await names({ search: "zebra", tags: ["odd"] })).toEqual(["person-3"]);
    expect(await names({ search: "zebra", tags: ["rare"] })).toEqual([]);
  });

  it("any of several tags within the bound: answered, never refused", async () => {
    expect(await names({ search: "zz", anyTags: ["rare", "odd"] })).toEqual([]);
    expect(await names({ search: "7", anyTags: ["rare", "odd"] })).toEqual(["person-7"]);
  });
});
