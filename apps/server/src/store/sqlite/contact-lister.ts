// The list query of the SQLite store: pages in id order, filtered by search and tags through
// the workspace's own indexes, each call bounded in the rows it may examine. Used by the store on
// its own connection, and by the list worker on a read-only one.
import type { Database, Statement } from "better-sqlite3";
import { CursorNotFoundError, QueryTooBroadError } from "../../contacts/contact-errors.js";
import type { ContactPage, ListContactsQuery } from "../../contacts/contact-store.js";
import { COLUMNS, type ContactRow, fromRow } from "../contact-rows.js";
import { searchTableOf, WorkspaceSearchIndex } from "./workspace-search-index.js";

/**
 * Most candidate rows one list call may examine. Each filter alone has an index that stops at the
 * page; only filters that are each broad but together narrow (a common tag and a common term
 * that rarely meet), or a 2-character term, make the store read candidates it throws away.
 * Past this bound the call is refused instead of stalling the server.
 */
export const MAX_EXAMINED_ROWS = 5_000;

/** The SQL type of the largest rowid, for open cursor bounds. */
const MAX_ROWID = "9223372036854775807";

/** Reads pages of contacts; one per connection. */
export class ContactLister {
  private readonly searchIndex: WorkspaceSearchIndex;
  /** List statements differ by filters; each distinct SQL text is prepared once. */
  private readonly listStatements = new Map<string, Statement<unknown[], ContactRow>>();

  constructor(
    private readonly db: Database,
    /** Tests lower it to reach the bound with a few rows. */
    private readonly maxExaminedRows = MAX_EXAMINED_ROWS,
  ) {
    this.searchIndex = new WorkspaceSearchIndex(db);
    db.function("list_examine", { deterministic: false, directOnly: true }, examineCandidate);
  }

  list(workspaceId: string, query: ListContactsQuery): ContactPage {
    const backwards = query.endingBefore !== undefined;
    // One extra row tells whether more exist beyond the page.
    const wanted = query.limit + 1;
    // Any of one tag is that tag: it can drive from the tag index like an all-of filter.
    const anyTags = query.anyTags ?? [];
    const tags =
      anyTags.length === 1 ? [...new Set([...(query.tags ?? []), ...anyTags])] : (query.tags ?? []);
    const anyOf = anyTags.length > 1 ? anyTags : [];
    examination.count = 0;
    examination.limit = this.maxExaminedRows;
    let rows: ContactRow[];
    if (query.sort !== undefined && query.sort !== "newest") {
      rows = this.sortedRows(workspaceId, query, query.sort, tags, anyOf, wanted);
    } else if (query.search === undefined && tags.length === 0 && anyOf.length === 0) {
      const cursor = cursorOf(query);
      rows = this.listStatement(
        `SELECT ${COLUMNS} FROM contacts WHERE workspace_id = ?${cursor ? ` AND id ${cursor.op} ?` : ""}
         ORDER BY id ${backwards ? "ASC" : "DESC"} LIMIT ?`,
      ).all(workspaceId, ...(cursor ? [cursor.id] : []), wanted);
    } else {
      rows = this.filteredRows(workspaceId, query, tags, anyOf, wanted);
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
    anyOf: string[],
    wanted: number,
  ): ContactRow[] {
    const term = query.search;
    const indexed = term !== undefined && [...term].length >= 3;
    if (indexed && !this.searchIndex.exists(workspaceId)) return []; // no contact yet
    // How many candidates each driver would offer, counted up to the bound (a cheap index range).
    const bound = this.maxExaminedRows + 1;
    const drivers: { kind: "term" | "tag" | "anyTag" | "scan"; tag?: string; size: number }[] =
      tags.map((tag) => ({
        kind: "tag",
        tag,
        size: this.count(TAG_COUNT, [workspaceId, tag, bound]),
      }));
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
    if (anyOf.length > 0) {
      // Any of several tags: their postings merged in id order. That needs a sort, so it drives
      // only while the postings together stay within the bound.
      const size = anyOf.reduce(
        (sum, tag) => sum + this.count(TAG_COUNT, [workspaceId, tag, bound]),
        0,
      );
      if (size <= this.maxExaminedRows) drivers.push({ kind: "anyTag", size });
    }
    if (drivers.length === 0) drivers.push({ kind: "scan", size: 0 });
    const driver = drivers.reduce((a, b) => (b.size < a.size ? b : a));
    // A tag nobody has, or any of tags nobody has.
    if (driver.size === 0 && (driver.kind === "tag" || driver.kind === "anyTag")) return [];

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
    } else if (driver.kind === "anyTag") {
      const cursorSql = cursor ? ` AND contact_id ${cursor.op} ?` : "";
      from = `(SELECT DISTINCT contact_id FROM contact_tags
               WHERE workspace_id = ? AND tag IN (${anyOf.map(() => "?").join(", ")})${cursorSql}) d
             CROSS JOIN contacts c ON c.id = d.contact_id`;
      params.push(workspaceId, ...anyOf, ...(cursor ? [cursor.id] : []));
      where.push("list_examine(d.contact_id)");
      orderBy = `d.contact_id ${order}`;
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
    if (anyOf.length > 0 && driver.kind !== "anyTag") {
      where.push(ANY_TAG_FILTER(anyOf.length));
      params.push(workspaceId, ...anyOf);
    }
    return this.listStatement(
      `SELECT ${QUALIFIED_COLUMNS} FROM ${from} WHERE ${where.join(" AND ")}
       ORDER BY ${orderBy} LIMIT ?`,
    ).all(...params, wanted);
  }

  /**
   * A page under a sorted order (display name, or last update): keyset pagination on
   * (sort key, id) over the workspace's (workspace_id, key, id) index, the cursor contact's sort
   * key looked up in the workspace. Filters check each row read; each counts against the bound.
   */
  private sortedRows(
    workspaceId: string,
    query: ListContactsQuery,
    sort: "display_name" | "updated",
    tags: string[],
    anyOf: string[],
    wanted: number,
  ): ContactRow[] {
    const backwards = query.endingBefore !== undefined;
    const cursorId = query.endingBefore ?? query.startingAfter;
    const where = ["c.workspace_id = ?"];
    const params: unknown[] = [workspaceId];
    if (cursorId !== undefined) {
      const cursor = this.listStatement(
        `SELECT ${COLUMNS} FROM contacts WHERE workspace_id = ? AND id = ?`,
      ).get(workspaceId, cursorId);
      if (!cursor) {
        throw new CursorNotFoundError(cursorId, backwards ? "endingBefore" : "startingAfter");
      }
      if (sort === "updated") {
        // Most recently updated first: forwards goes down (updated_at, id).
        where.push(`(c.updated_at, c.id) ${backwards ? ">" : "<"} (?, ?)`);
        params.push(cursor.updated_at, cursor.id);
      } else if (cursor.display_name === null) {
        // A-Z with NULL (no name) first, as SQLite orders NULL before every text.
        where.push(
          backwards
            ? "(c.display_name IS NULL AND c.id < ?)"
            : "(c.display_name IS NOT NULL OR c.id > ?)",
        );
        params.push(cursor.id);
      } else {
        where.push(
          backwards
            ? "(c.display_name IS NULL OR (c.display_name, c.id) < (?, ?))"
            : "(c.display_name, c.id) > (?, ?)",
        );
        params.push(cursor.display_name, cursor.id);
      }
    }
    const filtered = query.search !== undefined || tags.length > 0 || anyOf.length > 0;
    if (filtered) where.push("list_examine(c.id)");
    for (const tag of tags) {
      where.push(
        "EXISTS (SELECT 1 FROM contact_tags t WHERE t.workspace_id = ? AND t.tag = ? AND t.contact_id = c.id)",
      );
      params.push(workspaceId, tag);
    }
    if (anyOf.length > 0) {
      where.push(ANY_TAG_FILTER(anyOf.length));
      params.push(workspaceId, ...anyOf);
    }
    if (query.search !== undefined) {
      where.push("instr(c.search_text, ?) > 0");
      params.push(query.search);
    }
    const forwards = sort === "updated" ? "DESC" : "ASC";
    const direction = backwards ? (forwards === "ASC" ? "DESC" : "ASC") : forwards;
    const key = sort === "updated" ? "updated_at" : "display_name";
    return this.listStatement(
      `SELECT ${QUALIFIED_COLUMNS} FROM contacts c WHERE ${where.join(" AND ")}
       ORDER BY c.${key} ${direction}, c.id ${direction} LIMIT ?`,
    ).all(...params, wanted);
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

/** Has at least one of `n` tags (parameters: the workspace, then the tags). */
const ANY_TAG_FILTER = (n: number) =>
  `EXISTS (SELECT 1 FROM contact_tags t WHERE t.workspace_id = ? AND t.contact_id = c.id AND t.tag IN (${Array(n).fill("?").join(", ")}))`;

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
