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
/** A workspace whose tag "many" has more postings than a short walk reads. */
const M = "ffffffff-ffff-4fff-8fff-ffffffffffff";
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
  await stores.pool.query("INSERT INTO workspaces (id, name, created_at) VALUES ($1, 'm', 0)", [M]);
  // 60 items tagged "many", newest last; "needle" in items 5 and 55.
  for (let i = 0; i < 60; i++) {
    await stores.contacts.create(M, {
      id: ids.contactId(now++),
      externalId: `item-${i}`,
      displayName: i === 5 || i === 55 ? `needle ${i}` : `item ${i}`,
      email: null,
      avatarUrl: null,
      tags: ["many"],
      metadata: {},
      createdAt: now,
    });
  }
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

describe("a term of 3+ characters with a tag: a short walk along the tag's postings first", () => {
  // A page of 1 reads 2 rows; a walk reads 40 postings: the newest 40 of the 60 items.
  const page = (search: string) => stores.contacts.list(M, { limit: 1, search, tags: ["many"] });
  const externalIds = (contacts: { externalId: string }[]) => contacts.map((c) => c.externalId);

  it("answers from the walk when it fills the page", async () => {
    const { contacts, hasMore } = await page("item");
    expect(externalIds(contacts)).toEqual(["item-59"]);
    expect(hasMore).toBe(true);
  });

  it("goes on to the term's matches when the walk comes short (one match in it, one past it)", async () => {
    const { contacts, hasMore } = await page("needle");
    expect(externalIds(contacts)).toEqual(["item-55"]);
    expect(hasMore).toBe(true);
    const next = await stores.contacts.list(M, {
      limit: 1,
      search: "needle",
      tags: ["many"],
      startingAfter: contacts[0]?.id as string,
    });
    expect(externalIds(next.contacts)).toEqual(["item-5"]);
    expect(next.hasMore).toBe(false);
  });

  it("finds nothing, unrefused, for a term nobody holds", async () => {
    expect(await page("zzz")).toEqual({ contacts: [], hasMore: false });
  });

  it("still refuses a 2-character term (no walk, no search keys) over the bound", async () => {
    await expect(page("zz")).rejects.toBeInstanceOf(QueryTooBroadError);
  });
});

describe("connections", () => {
  it("a filtered list holds one connection at a time, however many tags it names", async () => {
    const fresh = await openPostgresStores(database.url, { maxExaminedRows: BOUND });
    try {
      const tags = Array.from({ length: 40 }, (_, i) => `tag-${i}`);
      await fresh.contacts.list(W, { limit: 5, search: "person", tags: ["all", ...tags] });
      await fresh.contacts.list(W, { limit: 5, search: "zz", anyTags: tags });
      // Every statement found the one connection the one before it gave back.
      expect(fresh.pool.totalCount).toBe(1);
    } finally {
      await fresh.close();
    }
  });
});
