// The database work of the bench's baseline, on SQLite (better-sqlite3, the store's statements)
// or PostgreSQL (pg, the PostgreSQL store's statements): the same operations, so the baseline
// is "node:http + the same driver doing the same work" on either store.
import pg from "pg";
import type { ServerModules } from "../server-modules.js";

export interface ContactRow {
  id: string;
  workspace_id: string;
  external_id: string;
  display_name: string | null;
  email: string | null;
  avatar_url: string | null;
  tags: string;
  metadata: string;
  created_at: number;
  updated_at: number;
  version: number;
}

export interface KeyRow {
  workspace_id: string;
  secret_hash: Buffer;
  revoked_at: number | null;
}

/** What a write decided about the row it read (inside its transaction). */
export type Change = { next: ContactRow; tags: string[] | undefined } | undefined;

export interface BaselineDb {
  keyRow(keyId: string): Promise<KeyRow | undefined>;
  /** Inserts the contact and its tags; resolves to the existing _id on a duplicate external_id. */
  insert(row: ContactRow, searchText: string, tags: string[]): Promise<{ existingId?: string }>;
  byRef(workspaceId: string, ref: string): Promise<ContactRow | undefined>;
  byId(workspaceId: string, id: string): Promise<ContactRow | undefined>;
  /** `?` placeholders; `instr(haystack, needle)` for a substring test. */
  list(sql: string, params: unknown[]): Promise<ContactRow[]>;
  /** A display name as a list statement compares it. */
  displayNameParam(name: string): unknown;
  /** Reads the row (locked), lets `decide` change it, writes; undefined when there is none. */
  update(
    workspaceId: string,
    ref: string,
    decide: (row: ContactRow) => { row: ContactRow; tags?: string[]; changed: boolean },
    searchText: (row: ContactRow) => string,
  ): Promise<{ row: ContactRow } | undefined>;
  delete(workspaceId: string, ref: string, guard: (row: ContactRow) => void): Promise<boolean>;
  close(): Promise<void>;
}

const COLUMNS =
  "id, workspace_id, external_id, display_name, email, avatar_url, tags, metadata, created_at, updated_at, version";
/** As the server's store: a ref shaped like a contact id is an _id, anything else an external_id. */
const CONTACT_ID_SHAPE = /^contact_[0-9A-HJKMNP-TV-Z]{26}$/;

/** The baseline on the server's SQLite schema and pragmas (openDatabase), its statements verbatim. */
export function sqliteBaselineDb(modules: ServerModules, path: string): BaselineDb {
  const db = modules.database.openDatabase(path);
  const selectKey = db.prepare<[string], KeyRow>(
    `SELECT k.workspace_id, k.secret_hash, k.revoked_at FROM api_keys k
     JOIN workspaces w ON w.id = k.workspace_id WHERE k.id = ?`,
  );
  const insertContact = db.prepare(
    `INSERT INTO contacts (${COLUMNS}, search_text)
     VALUES (@id, @workspace_id, @external_id, @display_name, @email, @avatar_url, @tags,
             @metadata, @created_at, @updated_at, @version, @search_text)`,
  );
  const insertTag = db.prepare(
    "INSERT INTO contact_tags (workspace_id, tag, contact_id) VALUES (?, ?, ?)",
  );
  // The same per-workspace search index the server keeps (its search reads it; this one scans).
  const searchIndex = new modules.searchIndex.WorkspaceSearchIndex(db);
  const deleteTags = db.prepare("DELETE FROM contact_tags WHERE contact_id = ?");
  const selectById = db.prepare<[string, string], ContactRow>(
    `SELECT ${COLUMNS} FROM contacts WHERE workspace_id = ? AND id = ?`,
  );
  const selectByExternalId = db.prepare<[string, string], ContactRow>(
    `SELECT ${COLUMNS} FROM contacts WHERE workspace_id = ? AND external_id = ?`,
  );
  const byRef = (workspaceId: string, ref: string) =>
    CONTACT_ID_SHAPE.test(ref)
      ? selectById.get(workspaceId, ref)
      : selectByExternalId.get(workspaceId, ref);
  const selectIdByExternalId = db.prepare<[string, string], { id: string }>(
    "SELECT id FROM contacts WHERE workspace_id = ? AND external_id = ?",
  );
  const updateContact = db.prepare(
    `UPDATE contacts SET display_name = @display_name, email = @email, avatar_url = @avatar_url,
       tags = @tags, metadata = @metadata, search_text = @search_text, updated_at = @updated_at,
       version = @version
     WHERE id = @id`,
  );
  const deleteById = db.prepare("DELETE FROM contacts WHERE id = ?");
  const selectRowid = db.prepare<[string], { rowid: number; search_text: string }>(
    "SELECT rowid, search_text FROM contacts WHERE id = ?",
  );
  const listStatements = new Map<string, ReturnType<typeof db.prepare<unknown[], ContactRow>>>();
  return {
    keyRow: async (keyId) => selectKey.get(keyId),
    insert: async (row, text, tags) => {
      try {
        db.transaction(() => {
          const { lastInsertRowid } = insertContact.run({ ...row, search_text: text });
          searchIndex.add(row.workspace_id, lastInsertRowid, text);
          for (const tag of tags) insertTag.run(row.workspace_id, tag, row.id);
        })();
        return {};
      } catch (error) {
        if ((error as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE") {
          const existing = selectIdByExternalId.get(row.workspace_id, row.external_id);
          if (existing) return { existingId: existing.id };
        }
        throw error;
      }
    },
    byRef: async (workspaceId, ref) => byRef(workspaceId, ref),
    byId: async (workspaceId, id) => selectById.get(workspaceId, id),
    list: async (sql, params) => {
      let statement = listStatements.get(sql);
      if (!statement) {
        statement = db.prepare<unknown[], ContactRow>(sql);
        listStatements.set(sql, statement);
      }
      return statement.all(...params);
    },
    displayNameParam: (name) => name,
    update: async (workspaceId, ref, decide, searchText) =>
      db
        .transaction(() => {
          const row = byRef(workspaceId, ref);
          if (!row) return undefined;
          const decided = decide(row);
          if (!decided.changed) return { row: decided.row };
          const next = decided.row;
          const before = selectRowid.get(next.id);
          const text = searchText(next);
          updateContact.run({ ...next, search_text: text });
          if (before && before.search_text !== text) {
            searchIndex.remove(workspaceId, before.rowid);
            searchIndex.add(workspaceId, before.rowid, text);
          }
          if (decided.tags !== undefined) {
            deleteTags.run(next.id);
            for (const tag of decided.tags) insertTag.run(workspaceId, tag, next.id);
          }
          return { row: next };
        })
        .immediate(),
    delete: async (workspaceId, ref, guard) =>
      db
        .transaction(() => {
          const row = byRef(workspaceId, ref);
          if (!row) return false;
          guard(row);
          const stored = selectRowid.get(row.id);
          if (stored) searchIndex.remove(workspaceId, stored.rowid);
          deleteById.run(row.id);
          return true;
        })
        .immediate(),
    close: async () => {
      db.close();
    },
  };
}

/** The baseline on the PostgreSQL store's schema (migrated by the bench's seeding), with pg. */
export function postgresBaselineDb(url: string, poolSize: number): BaselineDb {
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types });
  type PgRow = Omit<ContactRow, "display_name"> & { display_name: Buffer | null };
  const toRow = (row: PgRow): ContactRow => ({
    ...row,
    display_name: row.display_name === null ? null : row.display_name.toString("utf8"),
  });
  const bytes = (name: string | null) => (name === null ? null : Buffer.from(name, "utf8"));
  const selectByRef = (ref: string, lock = "") =>
    `SELECT ${COLUMNS} FROM contacts WHERE workspace_id = $1 AND ${
      CONTACT_ID_SHAPE.test(ref) ? "id" : "external_id"
    } = $2 ${lock}`;
  /** `?` → `$n`, SQLite's instr → strpos. */
  const numbered = (sql: string) => {
    let n = 0;
    return sql.replaceAll("?", () => `$${++n}`).replaceAll("instr(", "strpos(");
  };
  async function transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK");
      throw error;
    } finally {
      client.release();
    }
  }
  const insertTags = (client: pg.PoolClient, workspaceId: string, id: string, tags: string[]) =>
    tags.length === 0
      ? undefined
      : client.query(
          `INSERT INTO contact_tags (workspace_id, tag, contact_id)
           SELECT $1, tag, $2 FROM unnest($3::text[]) AS tag`,
          [workspaceId, id, tags],
        );
  return {
    keyRow: async (keyId) =>
      (
        await pool.query<KeyRow>(
          `SELECT k.workspace_id, k.secret_hash, k.revoked_at FROM api_keys k
           JOIN workspaces w ON w.id = k.workspace_id WHERE k.id = $1`,
          [keyId],
        )
      ).rows[0],
    insert: async (row, text, tags) => {
      try {
        await transaction(async (client) => {
          await client.query(
            `INSERT INTO contacts (${COLUMNS}, search_text)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
            [
              row.id,
              row.workspace_id,
              row.external_id,
              bytes(row.display_name),
              row.email,
              row.avatar_url,
              row.tags,
              row.metadata,
              row.created_at,
              row.updated_at,
              row.version,
              text,
            ],
          );
          await insertTags(client, row.workspace_id, row.id, tags);
        });
        return {};
      } catch (error) {
        if ((error as { code?: string }).code === "23505") {
          const { rows } = await pool.query<{ id: string }>(
            "SELECT id FROM contacts WHERE workspace_id = $1 AND external_id = $2",
            [row.workspace_id, row.external_id],
          );
          if (rows[0]) return { existingId: rows[0].id };
        }
        throw error;
      }
    },
    byRef: async (workspaceId, ref) => {
      const { rows } = await pool.query<PgRow>(selectByRef(ref), [workspaceId, ref]);
      return rows[0] && toRow(rows[0]);
    },
    byId: async (workspaceId, id) => {
      const { rows } = await pool.query<PgRow>(
        `SELECT ${COLUMNS} FROM contacts WHERE workspace_id = $1 AND id = $2`,
        [workspaceId, id],
      );
      return rows[0] && toRow(rows[0]);
    },
    list: async (sql, params) => (await pool.query<PgRow>(numbered(sql), params)).rows.map(toRow),
    displayNameParam: (name) => bytes(name),
    update: (workspaceId, ref, decide, searchText) =>
      transaction(async (client) => {
        const { rows } = await client.query<PgRow>(selectByRef(ref, "FOR UPDATE"), [
          workspaceId,
          ref,
        ]);
        if (!rows[0]) return undefined;
        const decided = decide(toRow(rows[0]));
        if (!decided.changed) return { row: decided.row };
        const next = decided.row;
        await client.query(
          `UPDATE contacts SET display_name = $3, email = $4, avatar_url = $5, tags = $6,
             metadata = $7, search_text = $8, updated_at = $9, version = $10
           WHERE workspace_id = $1 AND id = $2`,
          [
            workspaceId,
            next.id,
            bytes(next.display_name),
            next.email,
            next.avatar_url,
            next.tags,
            next.metadata,
            searchText(next),
            next.updated_at,
            next.version,
          ],
        );
        if (decided.tags !== undefined) {
          await client.query(
            "DELETE FROM contact_tags WHERE workspace_id = $1 AND contact_id = $2",
            [workspaceId, next.id],
          );
          await insertTags(client, workspaceId, next.id, decided.tags);
        }
        return { row: next };
      }),
    delete: (workspaceId, ref, guard) =>
      transaction(async (client) => {
        const { rows } = await client.query<PgRow>(selectByRef(ref, "FOR UPDATE"), [
          workspaceId,
          ref,
        ]);
        if (!rows[0]) return false;
        guard(toRow(rows[0]));
        await client.query("DELETE FROM contacts WHERE workspace_id = $1 AND id = $2", [
          workspaceId,
          rows[0].id,
        ]);
        return true;
      }),
    close: () => pool.end(),
  };
}
