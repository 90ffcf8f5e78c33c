import type { Statement } from "better-sqlite3";
import { SqliteError } from "better-sqlite3";
import type { ContactFields, ContactRecord, Metadata } from "../../contacts/contact.js";
import {
  ContactIdNotIncreasingError,
  ExternalIdConflictError,
  QueryTooBroadError,
} from "../../contacts/contact-errors.js";
import type {
  ContactPage,
  ContactStore,
  CreateOptions,
  ListContactsQuery,
  NewContact,
} from "../../contacts/contact-store.js";
import type { SqliteDatabase } from "./database.js";
import type { SqliteIdempotencyStore } from "./sqlite-idempotency-store.js";
import { searchTableOf, WorkspaceSearchIndex } from "./workspace-search-index.js";

interface ContactRow {
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

/** A row read for a write: its rowid and search text keep the search index in step. */
interface StoredRow extends ContactRow {
  rowid: number;
  search_text: string;
}

const COLUMNS =
  "id, workspace_id, external_id, display_name, email, avatar_url, tags, metadata, created_at, updated_at, version";

/** External ids may not look like contact ids (openapi.yaml), so a ref of this shape is an _id. */
const CONTACT_ID_SHAPE = /^contact_[0-9A-HJKMNP-TV-Z]{26}$/;

/**
 * Most candidate rows one list call may examine. Each filter alone has an index that stops at the
 * page; only filters that are each broad but together narrow (a common tag and a common term
 * that rarely meet), or a 2-character term, make the store read candidates it throws away.
 * Past this bound the call is refused instead of stalling the server.
 */
export const MAX_EXAMINED_ROWS = 10_000;

/** The SQL type of the largest rowid, for open cursor bounds. */
const MAX_ROWID = "9223372036854775807";

/** ContactStore on better-sqlite3: synchronous underneath, async at the interface. */
export class SqliteContactStore implements ContactStore {
  private readonly insertContact: Statement;
  private readonly insertTag: Statement;
  private readonly deleteTags: Statement;
  private readonly selectById: Statement<[string, string], ContactRow>;
  private readonly selectByExternalId: Statement<[string, string], ContactRow>;
  private readonly selectIdByExternalId: Statement<[string, string], { id: string }>;
  private readonly selectNewestId: Statement<[string], { id: string | null }>;
  private readonly updateContact: Statement;
  private readonly deleteById: Statement;
  private readonly searchIndex: WorkspaceSearchIndex;
  /** List statements differ by filters; each distinct SQL text is prepared once. */
  private readonly listStatements = new Map<string, Statement<unknown[], ContactRow>>();

  constructor(
    private readonly db: SqliteDatabase,
    private readonly idempotency: SqliteIdempotencyStore,
    /** Tests lower it to reach the bound with a few rows. */
    private readonly maxExaminedRows = MAX_EXAMINED_ROWS,
  ) {
    this.searchIndex = new WorkspaceSearchIndex(db);
    db.function("list_examine", { deterministic: false, directOnly: true }, examineCandidate);
    this.insertContact = db.prepare(
      `INSERT INTO contacts (${COLUMNS}, search_text)
       VALUES (@id, @workspace_id, @external_id, @display_name, @email, @avatar_url, @tags,
               @metadata, @created_at, @updated_at, @version, @search_text)`,
    );
    this.insertTag = db.prepare(
      "INSERT INTO contact_tags (workspace_id, tag, contact_id) VALUES (?, ?, ?)",
    );
    this.deleteTags = db.prepare("DELETE FROM contact_tags WHERE contact_id = ?");
    this.selectById = db.prepare(
      `SELECT rowid, ${COLUMNS}, search_text FROM contacts WHERE workspace_id = ? AND id = ?`,
    );
    this.selectByExternalId = db.prepare(
      `SELECT rowid, ${COLUMNS}, search_text FROM contacts
       WHERE workspace_id = ? AND external_id = ?`,
    );
    this.selectIdByExternalId = db.prepare(
      "SELECT id FROM contacts WHERE workspace_id = ? AND external_id = ?",
    );
    this.selectNewestId = db.prepare("SELECT max(id) AS id FROM contacts WHERE workspace_id = ?");
    this.updateContact = db.prepare(
      `UPDATE contacts SET display_name = @display_name, email = @email, avatar_url = @avatar_url,
         tags = @tags, metadata = @metadata, search_text = @search_text, updated_at = @updated_at,
         version = @version
       WHERE id = @id`,
    );
    this.deleteById = db.prepare("DELETE FROM contacts WHERE id = ?");
  }

  async create(
    workspaceId: string,
    contact: NewContact,
    options: CreateOptions = {},
  ): Promise<ContactRecord> {
    const record: ContactRecord = {
      ...contact,
      workspaceId,
      updatedAt: contact.createdAt,
      version: 1,
    };
    const { idempotency } = options;
    try {
      this.db.transaction(() => {
        // Within a workspace the rowid must follow the id (see workspace-search-index.ts).
        const newest = this.selectNewestId.get(workspaceId)?.id;
        if (newest != null && newest >= record.id) {
          throw new ContactIdNotIncreasingError(record.id, newest);
        }
        const row = toRow(record);
        const { lastInsertRowid } = this.insertContact.run(row);
        this.searchIndex.add(workspaceId, lastInsertRowid, row.search_text);
        for (const tag of record.tags) this.insertTag.run(workspaceId, tag, record.id);
        if (idempotency)
          this.idempotency.completeSync(workspaceId, idempotency.key, idempotency.response);
      })();
    } catch (error) {
      if (error instanceof SqliteError && error.code === "SQLITE_CONSTRAINT_UNIQUE") {
        // The unique index refused the row; name the contact that holds the external_id.
        const existing = this.selectIdByExternalId.get(workspaceId, contact.externalId);
        if (existing) throw new ExternalIdConflictError(contact.externalId, existing.id);
      }
      throw error;
    }
    return record;
  }

  async find(workspaceId: string, ref: string): Promise<ContactRecord | undefined> {
    const row = this.rowByRef(workspaceId, ref);
    return row && fromRow(row);
  }

  async list(workspaceId: string, query: ListContactsQuery): Promise<ContactPage> {
    const backwards = query.endingBefore !== undefined;
    // One extra row tells whether more exist beyond the page.
    const wanted = query.limit + 1;
    const tags = query.tags ?? [];
    let rows: ContactRow[];
    if (query.search === undefined && tags.length === 0) {
      const cursor = cursorOf(query);
      rows = this.listStatement(
        `SELECT ${COLUMNS} FROM contacts WHERE workspace_id = ?${cursor ? ` AND id ${cursor.op} ?` : ""}
         ORDER BY id ${backwards ? "ASC" : "DESC"} LIMIT ?`,
      ).all(workspaceId, ...(cursor ? [cursor.id] : []), wanted);
    } else {
      examination.count = 0;
      examination.limit = this.maxExaminedRows;
      rows = this.filteredRows(workspaceId, query, tags, wanted);
    }
    const hasMore = rows.length > query.limit;
    const page = rows.slice(0, query.limit).map(fromRow);
    if (backwards) page.reverse();
    return { contacts: page, hasMore };
  }

  /**
   * A filtered page, driven by the narrowest of the workspace's own indexes: the trigram index
   * for a term of 3+ characters, the tag index for each tag, or the id index (a 2-character term
   * alone). The driver is read in id order from the cursor, and the other filters check each
   * candidate until the page is full; every candidate counts against maxExaminedRows.
   */
  private filteredRows(
    workspaceId: string,
    query: ListContactsQuery,
    tags: string[],
    wanted: number,
  ): ContactRow[] {
    const term = query.search;
    const indexed = term !== undefined && [...term].length >= 3;
    if (indexed && !this.searchIndex.exists(workspaceId)) return []; // no contact yet
    // How many candidates each driver would offer, counted up to the bound (a cheap index range).
    const bound = this.maxExaminedRows + 1;
    const drivers: { kind: "term" | "tag" | "scan"; tag?: string; size: number }[] = tags.map(
      (tag) => ({ kind: "tag", tag, size: this.count(TAG_COUNT, [workspaceId, tag, bound]) }),
    );
    if (indexed) {
      const table = searchTableOf(workspaceId);
      const size =
        tags.length === 0
          ? 0 // alone, the term's index gives only matches: no need to count
          : this.count(
              `SELECT count(*) AS n FROM (SELECT rowid FROM ${table} WHERE ${table} MATCH ? LIMIT ?)`,
              [ftsPhrase(term), bound],
            );
      drivers.push({ kind: "term", size });
    }
    if (drivers.length === 0) drivers.push({ kind: "scan", size: 0 });
    const driver = drivers.reduce((a, b) => (b.size < a.size ? b : a));
    if (driver.size === 0 && driver.kind === "tag") return []; // a tag nobody has

    const backwards = query.endingBefore !== undefined;
    const order = backwards ? "ASC" : "DESC";
    const cursor = cursorOf(query);
    const where: string[] = [];
    const params: unknown[] = [];
    let from: string;
    let orderBy: string;
    if (driver.kind === "term") {
      const table = searchTableOf(workspaceId);
      from = `${table} CROSS JOIN contacts c ON c.rowid = ${table}.rowid`;
      where.push(`${table} MATCH ?`);
      params.push(ftsPhrase(term as string));
      if (cursor) {
        // The index knows rowids, not ids; within a workspace the two orders agree.
        where.push(
          backwards
            ? `${table}.rowid > coalesce((SELECT rowid FROM contacts WHERE workspace_id = ? AND id <= ? ORDER BY id DESC LIMIT 1), -1)`
            : `${table}.rowid < coalesce((SELECT rowid FROM contacts WHERE workspace_id = ? AND id >= ? ORDER BY id ASC LIMIT 1), ${MAX_ROWID})`,
        );
        params.push(workspaceId, cursor.id);
      }
      where.push(`list_examine(${table}.rowid)`);
      orderBy = `${table}.rowid ${order}`;
    } else if (driver.kind === "tag") {
      from = "contact_tags d CROSS JOIN contacts c ON c.id = d.contact_id";
      where.push("d.workspace_id = ?", "d.tag = ?");
      params.push(workspaceId, driver.tag);
      if (cursor) {
        where.push(`d.contact_id ${cursor.op} ?`);
        params.push(cursor.id);
      }
      where.push("list_examine(d.contact_id)");
      orderBy = `d.contact_id ${order}`;
    } else {
      from = "contacts c";
      where.push("c.workspace_id = ?");
      params.push(workspaceId);
      if (cursor) {
        where.push(`c.id ${cursor.op} ?`);
        params.push(cursor.id);
      }
      where.push("list_examine(c.id)");
      orderBy = `c.id ${order}`;
    }
    for (const tag of tags) {
      if (driver.kind === "tag" && tag === driver.tag) continue;
      where.push(
        "EXISTS (SELECT 1 FROM contact_tags t WHERE t.workspace_id = ? AND t.tag = ? AND t.contact_id = c.id)",
      );
      params.push(workspaceId, tag);
    }
    if (term !== undefined && driver.kind !== "term") {
      where.push("instr(c.search_text, ?) > 0");
      params.push(term);
    }
    return this.listStatement(
      `SELECT ${QUALIFIED_COLUMNS} FROM ${from} WHERE ${where.join(" AND ")}
       ORDER BY ${orderBy} LIMIT ?`,
    ).all(...params, wanted);
  }

  async update(
    workspaceId: string,
    ref: string,
    change: (current: ContactRecord) => ContactFields | undefined,
    now: number,
  ): Promise<ContactRecord | undefined> {
    return this.db
      .transaction(() => {
        const row = this.rowByRef(workspaceId, ref);
        if (!row) return undefined;
        const current = fromRow(row);
        const fields = change(current);
        if (!fields) return current;
        const next: ContactRecord = {
          ...current,
          ...fields,
          updatedAt: now,
          version: current.version + 1,
        };
        const nextRow = toRow(next);
        this.updateContact.run(nextRow);
        if (nextRow.search_text !== row.search_text) {
          this.searchIndex.remove(workspaceId, row.rowid);
          this.searchIndex.add(workspaceId, row.rowid, nextRow.search_text);
        }
        if (fields.tags !== current.tags) {
          this.deleteTags.run(next.id);
          for (const tag of next.tags) this.insertTag.run(workspaceId, tag, next.id);
        }
        return next;
      })
      .immediate();
  }

  async delete(
    workspaceId: string,
    ref: string,
    guard?: (current: ContactRecord) => void,
  ): Promise<boolean> {
    return this.db
      .transaction(() => {
        const row = this.rowByRef(workspaceId, ref);
        if (!row) return false;
        guard?.(fromRow(row));
        this.searchIndex.remove(workspaceId, row.rowid);
        this.deleteById.run(row.id);
        return true;
      })
      .immediate();
  }

  /** A ref is an _id or an external_id; the two shapes cannot overlap (see CONTACT_ID_SHAPE). */
  private rowByRef(workspaceId: string, ref: string): StoredRow | undefined {
    return (
      CONTACT_ID_SHAPE.test(ref)
        ? this.selectById.get(workspaceId, ref)
        : this.selectByExternalId.get(workspaceId, ref)
    ) as StoredRow | undefined;
  }

  private count(sql: string, params: unknown[]): number {
    const [{ n } = { n: 0 }] = this.listStatement(sql).all(...params) as unknown as { n: number }[];
    return n;
  }

  private listStatement(sql: string): Statement<unknown[], ContactRow> {
    let statement = this.listStatements.get(sql);
    if (!statement) {
      statement = this.db.prepare<unknown[], ContactRow>(sql);
      this.listStatements.set(sql, statement);
    }
    return statement;
  }
}

/**
 * The candidates the running list statement examined. Statements run synchronously, one at a
 * time per thread, so one counter serves every store; each filtered list call resets it.
 */
const examination = { count: 0, limit: MAX_EXAMINED_ROWS };

/** list_examine(candidate): called by the filtered plans once per candidate row (the argument
 * ties the call to that row); throwing aborts the statement. */
function examineCandidate(_candidate: unknown): number {
  if (++examination.count > examination.limit) throw new QueryTooBroadError();
  return 1;
}

const TAG_COUNT =
  "SELECT count(*) AS n FROM (SELECT 1 FROM contact_tags WHERE workspace_id = ? AND tag = ? LIMIT ?)";

const QUALIFIED_COLUMNS = COLUMNS.split(", ")
  .map((c) => `c.${c}`)
  .join(", ");

/** The cursor of a list call as an id condition: ids below starting_after or above ending_before. */
function cursorOf(query: ListContactsQuery): { op: "<" | ">"; id: string } | undefined {
  if (query.startingAfter !== undefined) return { op: "<", id: query.startingAfter };
  if (query.endingBefore !== undefined) return { op: ">", id: query.endingBefore };
  return undefined;
}

/** A term as one FTS5 phrase: quoted, inner quotes doubled, so no character is an operator. */
function ftsPhrase(term: string): string {
  return `"${term.replaceAll('"', '""')}"`;
}

/** The text the search filter looks in: one field per line, lower-cased like the search term. */
export function searchTextOf(
  contact: Pick<ContactRecord, "externalId" | "displayName" | "email">,
): string {
  return [contact.externalId, contact.displayName ?? "", contact.email ?? ""]
    .join("\n")
    .toLowerCase();
}

function toRow(contact: ContactRecord): ContactRow & { search_text: string } {
  return {
    id: contact.id,
    workspace_id: contact.workspaceId,
    external_id: contact.externalId,
    display_name: contact.displayName,
    email: contact.email,
    avatar_url: contact.avatarUrl,
    tags: JSON.stringify(contact.tags),
    metadata: JSON.stringify(contact.metadata),
    created_at: contact.createdAt,
    updated_at: contact.updatedAt,
    version: contact.version,
    search_text: searchTextOf(contact),
  };
}

function fromRow(row: ContactRow): ContactRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    externalId: row.external_id,
    displayName: row.display_name,
    email: row.email,
    avatarUrl: row.avatar_url,
    tags: JSON.parse(row.tags) as string[],
    metadata: JSON.parse(row.metadata) as Metadata,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
  };
}
