import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ContactRecord } from "../../contacts/contact.js";
import { QueryTooBroadError } from "../../contacts/contact-errors.js";
import type { ListContactsQuery } from "../../contacts/contact-store.js";
import { createIdGenerator } from "../../ids.js";
import { loadSpec } from "../../spec.js";
import { searchTextOf } from "../contact-rows.js";
import { MAX_EXAMINED_ROWS } from "./contact-lister.js";
import { openDatabase, type SqliteDatabase } from "./database.js";
import { SqliteContactStore } from "./sqlite-contact-store.js";

const WORKSPACE = "11111111-1111-4111-8111-111111111111";
const OTHER = "22222222-2222-4222-8222-222222222222";
// A small alphabet makes terms of every frequency: common ("ab"), rare ("cdcd"), absent.
const alphabet = ["a", "b", "c", "d", "é", "É", "-"];
const text = (min: number, max: number) =>
  fc
    .array(fc.constantFrom(...alphabet), { minLength: min, maxLength: max })
    .map((cs) => cs.join(""));

let db: SqliteDatabase;
let store: SqliteContactStore;
/** The same data with a tiny bound on examined rows, so that broad filters reach it. */
let bounded: SqliteContactStore;
const contacts: ContactRecord[] = [];

beforeAll(async () => {
  db = openDatabase(":memory:");
  for (const id of [WORKSPACE, OTHER]) {
    db.prepare("INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, 0)").run(id, id);
  }
  store = new SqliteContactStore(db, { maxExaminedRows: Number.MAX_SAFE_INTEGER - 1 });
  const ids = createIdGenerator();
  const sample = fc.sample(
    fc.record({ name: text(0, 12), email: text(0, 8), tags: fc.subarray(["x", "y", "z"]) }),
    { numRuns: 400, seed: 7 },
  );
  let now = Date.parse("2026-01-01T00:00:00Z");
  for (const [i, s] of sample.entries()) {
    const workspaceId = i % 5 === 0 ? OTHER : WORKSPACE;
    const contact = await store.create(workspaceId, {
      id: ids.contactId(now++),
      externalId: `ext-${i}-${s.name.slice(0, 3)}`,
      displayName: s.name || null,
      email: s.email ? `${s.email}@x.io` : null,
      avatarUrl: null,
      tags: s.tags,
      metadata: {},
      createdAt: now,
    });
    contacts.push(contact);
  }
  // Deletes and updates must keep the index in step.
  for (const contact of contacts.filter((_, i) => i % 7 === 0))
    await store.delete(contact.workspaceId, contact.id);
  bounded = new SqliteContactStore(db, { maxExaminedRows: 16 });
  for (const contact of contacts.filter((_, i) => i % 11 === 0)) {
    await store.update(
      contact.workspaceId,
      contact.id,
      (c) => ({ ...c, displayName: "renamed-abcd" }),
      now++,
    );
  }
});
afterAll(() => db.close());

/** The plain definition: every live contact of the workspace, filtered, in id order. */
function naive(query: ListContactsQuery): string[] {
  const rows = db
    .prepare("SELECT id, search_text, tags FROM contacts WHERE workspace_id = ? ORDER BY id DESC")
    .all(WORKSPACE) as { id: string; search_text: string; tags: string }[];
  const matching = rows.filter(
    (r) =>
      (query.startingAfter === undefined || r.id < query.startingAfter) &&
      (query.endingBefore === undefined || r.id > query.endingBefore) &&
      (query.search === undefined || r.search_text.includes(query.search)) &&
      (query.tags ?? []).every((t) => (JSON.parse(r.tags) as string[]).includes(t)) &&
      (query.anyTags === undefined ||
        query.anyTags.some((t) => (JSON.parse(r.tags) as string[]).includes(t))),
  );
  const page =
    query.endingBefore === undefined
      ? matching.slice(0, query.limit)
      : matching.slice(-query.limit);
  return page.map((r) => r.id);
}

describe("SqliteContactStore search", () => {
  it("keeps the search text in step with the contact", () => {
    const row = db.prepare("SELECT * FROM contacts LIMIT 1").get() as {
      search_text: string;
      external_id: string;
    };
    expect(row.search_text.startsWith(row.external_id.toLowerCase())).toBe(true);
    expect(searchTextOf({ externalId: "A", displayName: "É", email: null })).toBe("a\né\n");
  });

  it("returns exactly what the plain definition does, through every plan", async () => {
    const liveIds = () =>
      (
        db.prepare("SELECT id FROM contacts WHERE workspace_id = ?").all(WORKSPACE) as {
          id: string;
        }[]
      ).map((r) => r.id);
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          search: fc.option(
            text(1, 5).map((t) => t.toLowerCase()),
            { nil: undefined },
          ),
          tags: fc.option(fc.subarray(["x", "y", "z"], { minLength: 1 }), { nil: undefined }),
          anyTags: fc.option(fc.subarray(["x", "y", "z", "w"], { minLength: 1 }), {
            nil: undefined,
          }),
          limit: fc.integer({ min: 1, max: 50 }),
          cursor: fc.option(fc.tuple(fc.boolean(), fc.nat()), { nil: undefined }),
        }),
        async ({ search, tags, anyTags, limit, cursor }) => {
          const ids = liveIds().sort();
          const query: ListContactsQuery = { limit };
          if (search !== undefined) query.search = search;
          if (tags !== undefined) query.tags = tags;
          if (anyTags !== undefined) query.anyTags = anyTags;
          if (cursor) {
            const at = ids[cursor[1] % ids.length] as string;
            if (cursor[0]) query.startingAfter = at;
            else query.endingBefore = at;
          }
          const page = await store.list(WORKSPACE, query);
          expect(page.contacts.map((c) => c.id)).toEqual(naive(query));
        },
      ),
      { numRuns: 400, seed: 11 },
    );
  });

  it("refuses, rather than reads past its bound, only filters that are broad apart", async () => {
    const outcomes = { exact: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          search: fc.option(text(2, 4), { nil: undefined }),
          tags: fc.option(fc.subarray(["x", "y", "z"], { minLength: 1 }), { nil: undefined }),
          limit: fc.integer({ min: 1, max: 5 }),
        }),
        async ({ search, tags, limit }) => {
          const query: ListContactsQuery = { limit };
          if (search !== undefined) query.search = search;
          if (tags !== undefined) query.tags = tags;
          // A 3+ character term alone, or one tag alone, reads only matches: never refused.
          const oneIndex =
            (search !== undefined && [...search].length >= 3 && tags === undefined) ||
            (search === undefined && tags?.length === 1);
          try {
            const page = await bounded.list(WORKSPACE, query);
            expect(page.contacts.map((c) => c.id)).toEqual(naive(query));
            outcomes.exact++;
          } catch (error) {
            expect(error).toBeInstanceOf(QueryTooBroadError);
            expect(oneIndex).toBe(false);
            outcomes.refused++;
          }
        },
      ),
      { numRuns: 300, seed: 5 },
    );
    expect(outcomes.exact).toBeGreaterThan(50);
    expect(outcomes.refused).toBeGreaterThan(5);
  });
});

describe("SqliteContactStore ids", () => {
  it("refuses an id that is not after the workspace's newest (the search index needs id order)", async () => {
    const [newest] = (await store.list(WORKSPACE, { limit: 1 })).contacts;
    const older = `contact_${"0".repeat(26)}`;
    await expect(
      store.create(WORKSPACE, {
        id: older,
        externalId: "late-arrival",
        displayName: null,
        email: null,
        avatarUrl: null,
        tags: [],
        metadata: {},
        createdAt: 0,
      }),
    ).rejects.toMatchObject({ name: "ContactIdNotIncreasingError", newestId: newest?.id });
    expect(await store.find(WORKSPACE, "late-arrival")).toBeUndefined();
  });
});

describe("the bound on examined rows", () => {
  it("is the one openapi.yaml states for 422 query_too_broad", () => {
    const { document } = loadSpec();
    const described = (
      document.components as { responses: Record<string, { description: string }> }
    ).responses.QueryTooBroad?.description;
    expect(described).toContain(`more than ${MAX_EXAMINED_ROWS.toLocaleString("en-US")} of`);
  });
});

describe("any of several tags", () => {
  it("reads the tags' own postings when they are few, whatever the workspace's size", async () => {
    const few = openDatabase(":memory:");
    few
      .prepare("INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, 0)")
      .run(WORKSPACE, "w");
    // Bound 16, 60 contacts: a scan for rare tags would pass the bound; their postings do not.
    const small = new SqliteContactStore(few, { maxExaminedRows: 16 });
    const ids = createIdGenerator();
    const made: string[] = [];
    for (let i = 0; i < 60; i++) {
      const tags = i === 5 || i === 40 ? ["vip"] : i === 20 ? ["beta"] : [];
      const contact = await small.create(WORKSPACE, {
        id: ids.contactId(Date.UTC(2026, 0, 1) + i),
        externalId: `p-${i}`,
        displayName: null,
        email: null,
        avatarUrl: null,
        tags,
        metadata: {},
        createdAt: Date.UTC(2026, 0, 1) + i,
      });
      made.push(contact.id);
    }
    const first = await small.list(WORKSPACE, { limit: 2, anyTags: ["vip", "beta"] });
    expect(first.contacts.map((c) => c.id)).toEqual([made[40], made[20]]);
    expect(first.hasMore).toBe(true);
    const next = await small.list(WORKSPACE, {
      limit: 2,
      anyTags: ["vip", "beta"],
      startingAfter: made[20] as string,
    });
    expect(next.contacts.map((c) => c.id)).toEqual([made[5]]);
    expect(next.hasMore).toBe(false);
    few.close();
  });
});

describe("a workspace's first contact", () => {
  it("leaves the workspace able to create contacts when its transaction is rolled back", async () => {
    const fresh = openDatabase(":memory:");
    fresh.prepare("INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, 0)").run(OTHER, "o");
    const first = new SqliteContactStore(fresh);
    const ids = createIdGenerator();
    const contact = (externalId: string, at: number) => ({
      id: ids.contactId(at),
      externalId,
      displayName: null,
      email: null,
      avatarUrl: null,
      tags: ["t"],
      metadata: {},
      createdAt: at,
    });
    // The hook (an idempotency key's completion, in production) fails: nothing is kept.
    await expect(
      first.create(OTHER, contact("first", 1), {
        withinTransaction: () => {
          throw new Error("disk full");
        },
      }),
    ).rejects.toThrow("disk full");
    const second = await first.create(OTHER, contact("second", 2));
    const found = await first.list(OTHER, { limit: 5, search: "second" });
    expect(found.contacts.map((c) => c.id)).toEqual([second.id]);
    fresh.close();
  });
});
