/**
 * Bulk import in the domain over the SQLite store's importBatch: per-row outcomes under create
 * and upsert, one transaction per batch (a failure keeps nothing), ids that keep increasing past
 * another writer's, dry runs, and the search and tag indexes kept in step.
 */
import { describe, expect, it } from "vitest";
import { createIdGenerator, type IdGenerator } from "../ids.js";
import { openDatabase } from "../store/sqlite/database.js";
import { SqliteContactStore } from "../store/sqlite/sqlite-contact-store.js";
import { contactImporter, importRowOf } from "./contact-import.js";
import type { ImportRow } from "./contact-store.js";

const WORKSPACE = "33333333-3333-4333-8333-333333333333";

function setup(
  now = () => Date.parse("2026-03-01T00:00:00Z"),
  ids: IdGenerator = createIdGenerator(),
) {
  const db = openDatabase(":memory:");
  db.prepare("INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, 0)").run(WORKSPACE, "w");
  const store = new SqliteContactStore(db);
  return { db, store, importer: contactImporter({ store, ids, now }) };
}

const row = (externalId: string, fields: Record<string, unknown> = {}): ImportRow =>
  importRowOf({ externalId, ...fields });

describe("contactImporter.applyBatch", () => {
  it("creates, skips existing and repeated external_ids under create", async () => {
    const { store, importer } = setup();
    const outcomes = await importer.applyBatch(
      WORKSPACE,
      [row("a", { tags: ["t", "t"] }), row("b"), row("a", { displayName: "again" })],
      { mode: "create" },
    );
    expect(outcomes.map((o) => o.kind)).toEqual(["created", "created", "skipped"]);
    const a = await store.find(WORKSPACE, "a");
    expect(a).toMatchObject({ tags: ["t"], displayName: null, version: 1 });
    expect(outcomes[2]).toEqual({ kind: "skipped", id: a?.id });
  });

  it("merges under upsert: unchanged keeps version and updated; a change bumps both", async () => {
    let clock = Date.parse("2026-03-01T00:00:00Z");
    const { store, importer } = setup(() => clock);
    await importer.applyBatch(WORKSPACE, [row("u", { displayName: "U", metadata: { a: 1 } })], {
      mode: "upsert",
    });
    clock += 60_000;
    const same = await importer.applyBatch(WORKSPACE, [row("u", { displayName: "U" })], {
      mode: "upsert",
    });
    expect(same[0]?.kind).toBe("unchanged");
    expect(await store.find(WORKSPACE, "u")).toMatchObject({
      version: 1,
      updatedAt: clock - 60_000,
    });
    const changed = await importer.applyBatch(
      WORKSPACE,
      [row("u", { metadata: { b: 2 }, tags: ["new"] }), row("u", { tags: ["new"] })],
      { mode: "upsert" },
    );
    expect(changed.map((o) => o.kind)).toEqual(["updated", "unchanged"]);
    expect(await store.find(WORKSPACE, "u")).toMatchObject({
      displayName: "U",
      metadata: { a: 1, b: 2 },
      tags: ["new"],
      version: 2,
      updatedAt: clock,
    });
    // The tag index follows: the tag filter finds the contact by its new tag only.
    expect((await store.list(WORKSPACE, { limit: 10, tags: ["new"] })).contacts).toHaveLength(1);
  });

  it("rejects a row whose merge breaks a limit, and applies the rest of the batch", async () => {
    const { store, importer } = setup();
    await importer.applyBatch(WORKSPACE, [row("m", { metadata: { k0: 0 } })], { mode: "create" });
    const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`n${i}`, i]));
    const outcomes = await importer.applyBatch(
      WORKSPACE,
      [row("m", { metadata: many }), row("next")],
      { mode: "upsert" },
    );
    expect(outcomes.map((o) => o.kind)).toEqual(["rejected", "created"]);
    expect(await store.find(WORKSPACE, "m")).toMatchObject({ metadata: { k0: 0 }, version: 1 });
  });

  it("writes nothing on a dry run, yet reports what would happen", async () => {
    const { store, importer } = setup();
    const outcomes = await importer.applyBatch(WORKSPACE, [row("d1"), row("d1")], {
      mode: "create",
      dryRun: true,
    });
    expect(outcomes.map((o) => o.kind)).toEqual(["created", "skipped"]);
    expect(await store.find(WORKSPACE, "d1")).toBeUndefined();
  });

  it("keeps nothing of a batch that fails midway (one transaction)", async () => {
    const { db, store, importer } = setup();
    db.exec(`CREATE TRIGGER refuse_boom BEFORE INSERT ON contacts WHEN NEW.external_id = 'boom'
             BEGIN SELECT RAISE(ABORT, 'refused'); END`);
    await expect(
      importer.applyBatch(WORKSPACE, [row("ok1"), row("boom"), row("ok2")], { mode: "create" }),
    ).rejects.toThrow(/refused/);
    expect(await store.find(WORKSPACE, "ok1")).toBeUndefined();
  });

  it("gives ids after the workspace's newest, even one from another writer's later clock", async () => {
    const { store, importer } = setup(() => Date.parse("2026-03-01T00:00:00Z"));
    // Another process, its clock an hour ahead, created a contact.
    const later = createIdGenerator().contactId(Date.parse("2026-03-01T01:00:00Z"));
    await store.create(WORKSPACE, {
      id: later,
      externalId: "other",
      displayName: null,
      email: null,
      avatarUrl: null,
      tags: [],
      metadata: {},
      createdAt: Date.parse("2026-03-01T01:00:00Z"),
    });
    await importer.applyBatch(WORKSPACE, [row("i1"), row("i2")], { mode: "create" });
    const page = await store.list(WORKSPACE, { limit: 10 });
    expect(page.contacts.map((c) => c.externalId)).toEqual(["i2", "i1", "other"]);
    expect((page.contacts[1]?.id ?? "") > later).toBe(true);
    // The search index reads ids in order: a search finds the imported ones.
    expect((await store.list(WORKSPACE, { limit: 10, search: "i2" })).contacts).toHaveLength(1);
  });
});
