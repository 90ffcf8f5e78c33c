// The search keys of migration 3: which keys a search text gets, and that every write of a
// contact (create, update, import) moves its keys with it, so a search through them finds the
// contact by its new fields and no longer by its old ones.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../../test/support/postgres-databases.js";
import type { ContactFields } from "../../contacts/contact.js";
import { mergeImportPatch } from "../../contacts/contact-import.js";
import { createIdGenerator } from "../../ids.js";
import { openPostgresStores, type PostgresStores } from "./postgres-stores.js";

const W = "dddddddd-dddd-4ddd-8ddd-dddddddddddd";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let stores: PostgresStores;
const ids = createIdGenerator();
let now = Date.UTC(2026, 0, 1);

beforeAll(async () => {
  database = await createTestDatabase();
  stores = await openPostgresStores(database.url);
  await stores.pool.query("INSERT INTO workspaces (id, name, created_at) VALUES ($1, 'w', 0)", [W]);
});

afterAll(async () => {
  await stores?.close();
  await database?.drop();
});

/** The ids of the workspace's contacts whose fields hold `term`. */
async function search(term: string): Promise<string[]> {
  const page = await stores.contacts.list(W, { limit: 50, search: term });
  return page.contacts.map((contact) => contact.id);
}

const fields = (displayName: string, email: string): ContactFields => ({
  displayName,
  email,
  avatarUrl: null,
  tags: [],
  metadata: {},
});

describe("contact_search_keys", () => {
  const cases: [string, { text: string; want: string[] }][] = [
    ["each substring of 3 characters, once", { text: "aaaab", want: ["aaa", "aab"] }],
    ["none under 3 characters", { text: "ab", want: [] }],
    ["characters, not bytes", { text: "é👍xy", want: ["é👍x", "👍xy"] }],
    ["none across two fields (lines)", { text: "ab\ncde\nfg", want: ["cde"] }],
  ];
  it.each(cases)("%s", async (_name, { text, want }) => {
    const { rows } = await stores.pool.query<{ keys: string[] }>(
      "SELECT contact_search_keys($1, $2) AS keys",
      [W, text],
    );
    expect(rows[0]?.keys.sort()).toEqual(want.map((trigram) => `${W}:${trigram}`).sort());
  });
});

describe("search keys follow every write", () => {
  it("create and update: found by the new name and email, not by the old ones", async () => {
    const created = await stores.contacts.create(W, {
      id: ids.contactId(now++),
      externalId: "keys-update",
      ...fields("Quentin Oldname", "q@firstplace.example"),
      createdAt: now,
    });
    expect(await search("oldname")).toEqual([created.id]);
    expect(await search("firstplace")).toEqual([created.id]);

    await stores.contacts.update(
      W,
      created.id,
      () => fields("Quentin Newname", "q@secondplace.example"),
      now++,
    );
    expect(await search("oldname")).toEqual([]);
    expect(await search("firstplace")).toEqual([]);
    expect(await search("newname")).toEqual([created.id]);
    expect(await search("secondplace")).toEqual([created.id]);
  });

  it("import: a created contact is found, an upserted one by its new email only", async () => {
    const options = {
      now,
      newId: () => ids.contactId(now++),
      merge: mergeImportPatch,
    };
    const [created] = await stores.contacts.importBatch(
      W,
      [
        {
          externalId: "keys-import",
          fields: fields("Imogen", "i@importedfrom.example"),
          patch: {},
        },
      ],
      { ...options, mode: "create" },
    );
    if (created?.kind !== "created") throw new Error("not created");
    expect(await search("importedfrom")).toEqual([created.id]);

    await stores.contacts.importBatch(
      W,
      [
        {
          externalId: "keys-import",
          fields: fields("Imogen", "i@upsertedto.example"),
          patch: { email: "i@upsertedto.example" },
        },
      ],
      { ...options, mode: "upsert" },
    );
    expect(await search("importedfrom")).toEqual([]);
    expect(await search("upsertedto")).toEqual([created.id]);
  });
});
