import type { Statement } from "better-sqlite3";
import { SqliteError } from "better-sqlite3";
import type { ContactFields, ContactRecord, Metadata } from "../../contacts/contact.js";
import { CursorNotFoundError, ExternalIdConflictError } from "../../contacts/contact-errors.js";
import type {
  ContactPage,
  ContactStore,
  CreateOptions,
  ListContactsQuery,
  NewContact,
} from "../../contacts/contact-store.js";
import type { SqliteDatabase } from "./database.js";

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

const COLUMNS =
  "id, workspace_id, external_id, display_name, email, avatar_url, tags, metadata, created_at, updated_at, version";

/** External ids may not look like contact ids (openapi.yaml), so a ref of this shape is an _id. */
const CONTACT_ID_SHAPE = /^contact_[0-9A-HJKMNP-TV-Z]{26}$/;

/** ContactStore on better-sqlite3: synchronous underneath, async at the interface. */
export class SqliteContactStore implements ContactStore {
  private readonly insertContact: Statement;
  private readonly insertTag: Statement;
  private readonly deleteTags: Statement;
  private readonly selectById: Statement<[string, string], ContactRow>;
  private readonly selectByExternalId: Statement<[string, string], ContactRow>;
  private readonly selectIdByExternalId: Statement<[string, string], { id: string }>;
  private readonly updateContact: Statement;
  private readonly deleteById: Statement;
  /** List statements differ by filters; each distinct SQL text is prepared once. */
  private readonly listStatements = new Map<string, Statement<unknown[], ContactRow>>();

  /**
   * @param searchWindow how many of the newest contacts a search scans before it turns to the
   *   trigram index (tests make it small to exercise both plans).
   */
  constructor(
    private readonly db: SqliteDatabase,
    private readonly searchWindow = 2000,
  ) {
    this.insertContact = db.prepare(
      `INSERT INTO contacts (${COLUMNS}, search_text)
       VALUES (@id, @workspace_id, @external_id, @display_name, @email, @avatar_url, @tags,
               @metadata, @created_at, @updated_at, @version, @search_text)`,
    );
    this.insertTag = db.prepare("INSERT INTO contact_tags (contact_id, tag) VALUES (?, ?)");
    this.deleteTags = db.prepare("DELETE FROM contact_tags WHERE contact_id = ?");
    this.selectById = db.prepare(
      `SELECT ${COLUMNS} FROM contacts WHERE workspace_id = ? AND id = ?`,
    );
    this.selectByExternalId = db.prepare(
      `SELECT ${COLUMNS} FROM contacts WHERE workspace_id = ? AND external_id = ?`,
    );
    this.selectIdByExternalId = db.prepare(
      "SELECT id FROM contacts WHERE workspace_id = ? AND external_id = ?",
    );
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
    try {
      this.db.transaction(() => {
        this.insertContact.run(toRow(record));
        for (const tag of record.tags) this.insertTag.run(record.id, tag);
        options.withinTransaction?.(record);
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
    const order = backwards ? "ASC" : "DESC";
    // Qualified names: the same conditions serve a plain query, a subquery and a join.
    const scope = ["contacts.workspace_id = ?"];
    const scopeParams: unknown[] = [workspaceId];
    if (query.startingAfter !== undefined) {
      scope.push("contacts.id < ?");
      scopeParams.push(query.startingAfter);
    }
    if (query.endingBefore !== undefined) {
      scope.push("contacts.id > ?");
      scopeParams.push(query.endingBefore);
    }
    const filters: string[] = [];
    const filterParams: unknown[] = [];
    if (query.search !== undefined) {
      filters.push("instr(contacts.search_text, ?) > 0");
      filterParams.push(query.search);
    }
    for (const tag of query.tags ?? []) {
      filters.push(
        "EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = contacts.id AND t.tag = ?)",
      );
      filterParams.push(tag);
    }
    if (query.anyTags !== undefined && query.anyTags.length > 0) {
      filters.push(
        `EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = contacts.id AND t.tag IN (${query.anyTags.map(() => "?").join(", ")}))`,
      );
      filterParams.push(...query.anyTags);
    }
    if (query.sort !== undefined && query.sort !== "newest") {
      return this.sortedPage(workspaceId, query, query.sort, filters, filterParams);
    }
    // One extra row tells whether more exist beyond the page.
    const wanted = query.limit + 1;
    const rows =
      query.search !== undefined && [...query.search].length >= 3
        ? this.searchRows(query.search, scope, scopeParams, filters, filterParams, order, wanted)
        : this.listStatement(
            `SELECT ${COLUMNS} FROM contacts WHERE ${[...scope, ...filters].join(" AND ")}
             ORDER BY id ${order} LIMIT ?`,
          ).all(...scopeParams, ...filterParams, wanted);

    const hasMore = rows.length > query.limit;
    const page = rows.slice(0, query.limit).map(fromRow);
    if (backwards) page.reverse();
    return { contacts: page, hasMore };
  }

  /**
   * A page under a sorted order: keyset pagination on (sort key, id), the cursor contact's sort
   * key looked up in the workspace. Searches here filter with the same `instr` as everywhere.
   */
  private sortedPage(
    workspaceId: string,
    query: ListContactsQuery,
    sort: "display_name" | "updated",
    filters: string[],
    filterParams: unknown[],
  ): ContactPage {
    const backwards = query.endingBefore !== undefined;
    const cursorId = query.endingBefore ?? query.startingAfter;
    const scope = ["contacts.workspace_id = ?"];
    const scopeParams: unknown[] = [workspaceId];
    if (cursorId !== undefined) {
      const cursor = this.selectById.get(workspaceId, cursorId);
      if (!cursor) {
        throw new CursorNotFoundError(cursorId, backwards ? "endingBefore" : "startingAfter");
      }
      if (sort === "updated") {
        // Most recently updated first: forwards goes down (updated_at, id).
        scope.push(`(contacts.updated_at, contacts.id) ${backwards ? ">" : "<"} (?, ?)`);
        scopeParams.push(cursor.updated_at, cursor.id);
      } else if (cursor.display_name === null) {
        // A-Z with NULL (no name) first, as SQLite orders NULL before every text.
        scope.push(
          backwards
            ? "(contacts.display_name IS NULL AND contacts.id < ?)"
            : "(contacts.display_name IS NOT NULL OR contacts.id > ?)",
        );
        scopeParams.push(cursor.id);
      } else {
        scope.push(
          backwards
            ? "(contacts.display_name IS NULL OR (contacts.display_name, contacts.id) < (?, ?))"
            : "(contacts.display_name, contacts.id) > (?, ?)",
        );
        scopeParams.push(cursor.display_name, cursor.id);
      }
    }
    const forwards = sort === "updated" ? "DESC" : "ASC";
    const direction = backwards ? (forwards === "ASC" ? "DESC" : "ASC") : forwards;
    const key = sort === "updated" ? "updated_at" : "display_name";
    const rows = this.listStatement(
      `SELECT ${COLUMNS} FROM contacts WHERE ${[...scope, ...filters].join(" AND ")}
       ORDER BY ${key} ${direction}, id ${direction} LIMIT ?`,
    ).all(...scopeParams, ...filterParams, query.limit + 1);
    const hasMore = rows.length > query.limit;
    const page = rows.slice(0, query.limit).map(fromRow);
    if (backwards) page.reverse();
    return { contacts: page, hasMore };
  }

  /**
   * Search, fast for common and for rare terms alike. First a bounded scan: the newest
   * `searchWindow` contacts in the direction of travel, filtered; matches in the newest rows are
   * the answer whenever they fill the page, which a common term always does. Otherwise the
   * trigram index lists every contact holding the term (few, for a rare one), and those are
   * filtered and ordered. Both plans apply the same `instr` filter, so results are identical.
   */
  private searchRows(
    term: string,
    scope: string[],
    scopeParams: unknown[],
    filters: string[],
    filterParams: unknown[],
    order: "ASC" | "DESC",
    wanted: number,
  ): ContactRow[] {
    const window = this.listStatement(
      `SELECT * FROM (SELECT ${COLUMNS}, search_text FROM contacts WHERE ${scope.join(" AND ")}
         ORDER BY id ${order} LIMIT ?) AS contacts
       WHERE ${filters.join(" AND ")} ORDER BY id ${order} LIMIT ?`,
    );
    const scanned = window.all(...scopeParams, this.searchWindow, ...filterParams, wanted);
    if (scanned.length >= wanted) return scanned;
    const [{ n } = { n: 0 }] = this.listStatement(
      `SELECT count(*) AS n FROM (SELECT 1 FROM contacts WHERE ${scope.join(" AND ")} LIMIT ?)`,
    ).all(...scopeParams, this.searchWindow + 1) as unknown as { n: number }[];
    if (n <= this.searchWindow) return scanned; // the window held every candidate
    // The index spans every workspace: a term common elsewhere would make the join read all its
    // matches. Past a bound, the plain ordered scan (which stops at the page) is the cheaper plan.
    const [{ matches } = { matches: 0 }] = this.listStatement(
      "SELECT count(*) AS matches FROM (SELECT 1 FROM contacts_search WHERE contacts_search MATCH ? LIMIT ?)",
    ).all(ftsPhrase(term), MAX_INDEX_CANDIDATES + 1) as unknown as { matches: number }[];
    if (matches > MAX_INDEX_CANDIDATES) {
      return this.listStatement(
        `SELECT ${COLUMNS} FROM contacts WHERE ${[...scope, ...filters].join(" AND ")}
         ORDER BY id ${order} LIMIT ?`,
      ).all(...scopeParams, ...filterParams, wanted);
    }
    // CROSS JOIN pins the index as the outer loop: SQLite would otherwise walk contacts in id
    // order and probe the match list for each, a full scan.
    return this.listStatement(
      `SELECT ${COLUMNS.split(", ")
        .map((c) => `contacts.${c}`)
        .join(", ")}
       FROM contacts_search CROSS JOIN contacts ON contacts.rowid = contacts_search.rowid
       WHERE contacts_search MATCH ? AND ${[...scope, ...filters].join(" AND ")}
       ORDER BY contacts.id ${order} LIMIT ?`,
    ).all(ftsPhrase(term), ...scopeParams, ...filterParams, wanted);
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
        this.updateContact.run(toRow(next));
        if (fields.tags !== current.tags) {
          this.deleteTags.run(next.id);
          for (const tag of next.tags) this.insertTag.run(next.id, tag);
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
        this.deleteById.run(row.id);
        return true;
      })
      .immediate();
  }

  /** A ref is an _id or an external_id; the two shapes cannot overlap (see CONTACT_ID_SHAPE). */
  private rowByRef(workspaceId: string, ref: string): ContactRow | undefined {
    return CONTACT_ID_SHAPE.test(ref)
      ? this.selectById.get(workspaceId, ref)
      : this.selectByExternalId.get(workspaceId, ref);
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

/** Most index matches a search reads before it prefers the plain scan (see searchRows). */
const MAX_INDEX_CANDIDATES = 5000;

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
