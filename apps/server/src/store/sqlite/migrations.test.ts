import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { migrate } from "./database.js";
import { MIGRATIONS } from "./migrations.js";
import { SqliteContactStore } from "./sqlite-contact-store.js";
import { searchTableOf } from "./workspace-search-index.js";

const A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
const id = (n: number) => `contact_01JZ${String(n).padStart(22, "0")}`;

describe("migration 4 (per-workspace search and tag indexes)", () => {
  it("keeps every contact and tag, indexes each workspace apart, and puts rowids in id order", async () => {
    const db = new Database(":memory:");
    db.pragma("foreign_keys = ON");
    migrate(db, MIGRATIONS.slice(0, 3));
    for (const ws of [A, B]) {
      db.prepare("INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, 0)").run(ws, ws);
    }
    // Inserted out of id order, alternating workspaces, as a version-3 database may hold them.
    const rows: [string, string, string, string[]][] = [
      [id(3), A, "ann@shared.example", ["vip"]],
      [id(1), B, "bob@shared.example", ["vip", "beta"]],
      [id(2), A, "cid@other.example", []],
      [id(5), B, "dee@other.example", ["beta"]],
      [id(4), A, "eve@shared.example", ["beta"]],
    ];
    for (const [contactId, ws, email, tags] of rows) {
      db.prepare(
        `INSERT INTO contacts (id, workspace_id, external_id, email, tags, metadata, search_text,
           created_at, updated_at) VALUES (?, ?, ?, ?, ?, '{}', ?, 0, 0)`,
      ).run(contactId, ws, `ext-${contactId}`, email, JSON.stringify(tags), `x\n\n${email}`);
      for (const tag of tags) {
        db.prepare("INSERT INTO contact_tags (contact_id, tag) VALUES (?, ?)").run(contactId, tag);
      }
    }

    migrate(db, MIGRATIONS);

    expect(db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.at(-1)?.version);
    expect(db.pragma("foreign_key_check")).toEqual([]);
    const byRowid = db
      .prepare("SELECT workspace_id AS ws, id FROM contacts ORDER BY rowid")
      .all() as { ws: string; id: string }[];
    for (const ws of [A, B]) {
      const ids = byRowid.filter((r) => r.ws === ws).map((r) => r.id);
      expect(ids).toEqual([...ids].sort());
    }
    expect(db.prepare("SELECT workspace_id, tag, contact_id FROM contact_tags").all()).toHaveLength(
      5,
    );
    const count = (ws: string) =>
      (db.prepare(`SELECT count(*) AS n FROM ${searchTableOf(ws)}`).get() as { n: number }).n;
    expect([count(A), count(B)]).toEqual([3, 2]);

    const store = new SqliteContactStore(db);
    const found = await store.list(A, { limit: 10, search: "shared.example" });
    expect(found.contacts.map((c) => c.id)).toEqual([id(4), id(3)]);
    const tagged = await store.list(B, { limit: 10, tags: ["beta"] });
    expect(tagged.contacts.map((c) => c.id)).toEqual([id(5), id(1)]);
    // Deleting a contact still takes its tags with it (the foreign key survived the rebuild).
    await store.delete(B, id(1));
    expect(
      db.prepare("SELECT count(*) AS n FROM contact_tags WHERE contact_id = ?").get(id(1)),
    ).toEqual({ n: 0 });
    db.close();
  });
});
