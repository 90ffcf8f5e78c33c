// The list query of the PostgreSQL store: pages in id order (or a sorted order), filtered by
// search and tags through the workspace's own index ranges (a term through its search keys,
// prefixed by the workspace: migration 3), each call bounded in the candidate rows it may
// examine, as on SQLite (see ../sqlite/contact-lister.ts for the plan in prose).
import { CursorNotFoundError, QueryTooBroadError } from "../../contacts/contact-errors.js";
import type { ContactPage, ListContactsQuery } from "../../contacts/contact-store.js";
import { MAX_EXAMINED_ROWS } from "../sqlite/contact-lister.js";
import type { Pool } from "./pool.js";
import {
  fromPgRow,
  PG_COLUMNS,
  PG_QUALIFIED_COLUMNS,
  type PostgresContactRow,
  pgText,
} from "./postgres-rows.js";

/** Numbered parameters of one statement: `param(value)` adds one and returns its `$n`. */
class Params {
  readonly values: unknown[] = [];
  param(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** The plan of a filtered page: where candidates come from, and what each must also match. */
interface Candidates {
  /**
   * A query giving candidate contacts (as `c`) in page order: limited to the bound + 1, or, for
   * a driver chosen within the bound, all of them.
   */
  sql: string;
  /** Conditions on `c` the driver does not already guarantee. */
  filters: string[];
  /** How many parameters `sql` uses: the first ones of the statement. */
  paramCount: number;
  /** The candidates' order, over their output columns (the page keeps it). */
  orderBy: string;
  /**
   * For a short page, what counts the candidates against the bound: the driver's index range
   * alone (no contact read), or `sql` when absent; `null` when the driver is within the bound by
   * construction (the count would only repeat the page's reads).
   */
  countSql?: string | null;
}

/** Candidates a term's first walk along the id index examines, per row of the page. */
const TERM_WALK_PER_ROW = 20;

export class PostgresContactLister {
  constructor(
    private readonly pool: Pool,
    /** Tests lower it to reach the bound with a few rows. */
    private readonly maxExaminedRows = MAX_EXAMINED_ROWS,
  ) {}

  async list(workspaceId: string, query: ListContactsQuery): Promise<ContactPage> {
    const backwards = query.endingBefore !== undefined;
    // One extra row tells whether more exist beyond the page.
    const wanted = query.limit + 1;
    // Any of one tag is that tag: it can drive from the tag index like an all-of filter.
    // Tags as the tag index holds them (see pgText).
    const anyTags = (query.anyTags ?? []).map(pgText);
    const allTags = (query.tags ?? []).map(pgText);
    const tags = anyTags.length === 1 ? [...new Set([...allTags, ...anyTags])] : allTags;
    const anyOf = anyTags.length > 1 ? anyTags : [];
    const filtered = query.search !== undefined || tags.length > 0 || anyOf.length > 0;
    const params = new Params();
    const ws = params.param(workspaceId);
    let rows: PostgresContactRow[];
    if (query.sort !== undefined && query.sort !== "newest") {
      const plan = await this.sorted(workspaceId, query, query.sort, params, ws);
      rows = filtered
        ? await this.boundedPage(
            this.withFilters(plan, query.search, tags, anyOf, ws, params, undefined),
            params,
            wanted,
          )
        : await this.rows(`${plan.sql} LIMIT ${params.param(wanted)}`, params);
    } else if (!filtered) {
      const cursor = cursorOf(query);
      rows = await this.rows(
        `SELECT ${PG_COLUMNS} FROM contacts WHERE workspace_id = ${ws}${
          cursor ? ` AND id ${cursor.op} ${params.param(cursor.id)}` : ""
        } ORDER BY id ${backwards ? "ASC" : "DESC"} LIMIT ${params.param(wanted)}`,
        params,
      );
    } else {
      // A common term fills a page within a short walk along the id index, before any count.
      const walked =
        query.search !== undefined
          ? await this.termWalk(workspaceId, query, tags, anyOf, wanted)
          : undefined;
      if (walked) rows = walked;
      else {
        const found = await this.filteredPlan(workspaceId, query, tags, anyOf, params, ws, wanted);
        if (!found) return { contacts: [], hasMore: false };
        rows = "rows" in found ? found.rows : await this.boundedPage(found.plan, params, wanted);
      }
    }
    const hasMore = rows.length > query.limit;
    const page = rows.slice(0, query.limit).map(fromPgRow);
    if (backwards) page.reverse();
    return { contacts: page, hasMore };
  }

  /**
   * A filtered page in id order, driven by the narrowest of the workspace's own index ranges:
   * a tag's postings, any of several tags' postings, the matches of a term of 3+ characters
   * (when they are within the bound: they come unordered from the trigram index and are
   * sorted), or else the id index. Undefined when a driving tag is held by nobody; the page
   * itself when a short walk along the narrowest tag's postings answers it (see tagWalk).
   */
  private async filteredPlan(
    workspaceId: string,
    query: ListContactsQuery,
    tags: string[],
    anyOf: string[],
    params: Params,
    ws: string,
    wanted: number,
  ): Promise<{ plan: Candidates } | { rows: PostgresContactRow[] } | undefined> {
    const term = query.search;
    const bound = this.maxExaminedRows + 1;
    const tagSizes = await this.tagCounts(workspaceId, tags, bound);
    const drivers: { kind: "term" | "tag" | "anyTag" | "scan"; tag?: string; size: number }[] =
      tags.map((tag, i) => ({ kind: "tag", tag, size: tagSizes[i] ?? 0 }));
    if (term !== undefined && [...term].length >= 3) {
      // Counting a common term's matches builds its whole bitmap (every match in the workspace):
      // a short walk along the narrowest tag's postings may answer first.
      const narrowest =
        drivers.length > 0 ? drivers.reduce((a, b) => (b.size < a.size ? b : a)) : undefined;
      if (narrowest?.tag !== undefined) {
        if (narrowest.size === 0) return undefined;
        const walked = await this.tagWalk(workspaceId, query, narrowest.tag, tags, anyOf, wanted);
        // Filled, or every one of the tag's postings read: the page is the answer.
        if (walked.rows.length === wanted || walked.exhaustive) return { rows: walked.rows };
      }
      const { rows } = await this.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (SELECT 1 FROM contacts
           WHERE workspace_id = $1 AND ${termMatch("$1", "$2")} LIMIT $3) m`,
        [workspaceId, term, bound],
      );
      const size = rows[0]?.n ?? 0;
      if (size === 0) return undefined;
      if (size <= this.maxExaminedRows) drivers.push({ kind: "term", size });
    }
    if (anyOf.length > 0) {
      const sizes = await this.tagCounts(workspaceId, anyOf, bound);
      const size = sizes.reduce((sum, n) => sum + n, 0);
      if (size === 0) return undefined;
      // Merged postings need a sort: they drive only while together within the bound.
      if (size <= this.maxExaminedRows) drivers.push({ kind: "anyTag", size });
    }
    if (drivers.length === 0) drivers.push({ kind: "scan", size: 0 });
    const driver = drivers.reduce((a, b) => (b.size < a.size ? b : a));
    if (driver.size === 0 && driver.kind === "tag") return undefined;

    const backwards = query.endingBefore !== undefined;
    const order = backwards ? "ASC" : "DESC";
    const cursor = cursorOf(query);
    let sql: string;
    // The term and any-of drivers were chosen within the bound: read to their end (a short page
    // is then exact, even if a concurrent write took them past the bound since), never counted.
    let countSql: string | null = null;
    if (driver.kind === "term") {
      // Every match, found through the search keys, then put in order.
      const cursorSql = cursor ? ` AND id ${cursor.op} ${params.param(cursor.id)}` : "";
      sql = `WITH m AS MATERIALIZED (
               SELECT ${PG_COLUMNS}, search_text FROM contacts
               WHERE workspace_id = ${ws} AND ${termMatch(ws, params.param(term))}${cursorSql})
             SELECT * FROM m c ORDER BY id ${order}`;
    } else if (driver.kind === "anyTag") {
      const cursorSql = cursor ? ` AND contact_id ${cursor.op} ${params.param(cursor.id)}` : "";
      sql = `SELECT ${POSTING_COLUMNS}, c.search_text FROM (
               SELECT DISTINCT contact_id FROM contact_tags
               WHERE workspace_id = ${ws} AND tag = ANY(${params.param(anyOf)}::text[])${cursorSql}
               ORDER BY contact_id ${order}) d
             CROSS JOIN LATERAL (${contactOf("d.contact_id", ws)}) c
             ORDER BY d.contact_id ${order}`;
    } else if (driver.kind === "tag") {
      const limit = params.param(bound);
      ({ sql, postings: countSql } = tagCandidates(driver.tag as string, query, ws, limit, params));
    } else {
      const limit = params.param(bound);
      const cursorSql = cursor ? ` AND id ${cursor.op} ${params.param(cursor.id)}` : "";
      const range = `FROM contacts WHERE workspace_id = ${ws}${cursorSql} ORDER BY id ${order} LIMIT ${limit}`;
      sql = `SELECT ${PG_COLUMNS}, search_text ${range}`;
      countSql = `SELECT 1 ${range}`;
    }
    return {
      plan: this.withFilters(
        {
          sql,
          filters: [],
          paramCount: params.values.length,
          orderBy: `c.id ${order}`,
          countSql,
        },
        driver.kind === "term" ? undefined : term,
        tags,
        driver.kind === "anyTag" ? [] : anyOf,
        ws,
        params,
        driver.kind === "tag" ? driver.tag : undefined,
      ),
    };
  }

  /**
   * The page read along the id index from the cursor, the first `wanted` × TERM_WALK_PER_ROW
   * candidates at most, every filter checked on each; undefined when they do not fill it.
   */
  private async termWalk(
    workspaceId: string,
    query: ListContactsQuery,
    tags: string[],
    anyOf: string[],
    wanted: number,
  ): Promise<PostgresContactRow[] | undefined> {
    const params = new Params();
    const ws = params.param(workspaceId);
    const order = query.endingBefore !== undefined ? "ASC" : "DESC";
    const cursor = cursorOf(query);
    const cursorSql = cursor ? ` AND id ${cursor.op} ${params.param(cursor.id)}` : "";
    const plan = this.withFilters(
      {
        sql: `SELECT ${PG_COLUMNS}, search_text FROM contacts WHERE workspace_id = ${ws}${cursorSql}
              ORDER BY id ${order} LIMIT ${params.param(wanted * TERM_WALK_PER_ROW)}`,
        filters: [],
        paramCount: params.values.length,
        orderBy: `c.id ${order}`,
      },
      query.search,
      tags,
      anyOf,
      ws,
      params,
      undefined,
    );
    const rows = await this.rows(
      `SELECT ${PG_COLUMNS} FROM (${plan.sql}) c WHERE ${plan.filters.join(" AND ")}
       ORDER BY ${plan.orderBy} LIMIT ${params.param(wanted)}`,
      params,
    );
    return rows.length === wanted ? rows : undefined;
  }

  /**
   * The page read along `tag`'s postings from the cursor, the first `wanted` × TERM_WALK_PER_ROW
   * at most, every filter checked on each; `exhaustive` when the tag had no more postings.
   */
  private async tagWalk(
    workspaceId: string,
    query: ListContactsQuery,
    tag: string,
    tags: string[],
    anyOf: string[],
    wanted: number,
  ): Promise<{ rows: PostgresContactRow[]; exhaustive: boolean }> {
    const params = new Params();
    const ws = params.param(workspaceId);
    const walk = wanted * TERM_WALK_PER_ROW;
    const { sql } = tagCandidates(tag, query, ws, params.param(walk + 1), params);
    const plan = this.withFilters(
      { sql, filters: [], paramCount: params.values.length, orderBy: `c.id ${order(query)}` },
      query.search,
      tags,
      anyOf,
      ws,
      params,
      tag,
    );
    // The candidates are numbered in page order: one past the walk tells that the tag has more.
    const { rows } = await this.pool.query<PostgresContactRow & { examined: number }>(
      `SELECT ${PG_COLUMNS}, examined FROM (
         SELECT c.*, row_number() OVER (ORDER BY ${plan.orderBy}) AS examined,
                (${plan.filters.join(" AND ")}) AS matches
         FROM (${plan.sql}) c) c
       WHERE matches OR examined > ${walk}
       ORDER BY ${plan.orderBy} LIMIT ${params.param(wanted + 1)}`,
      params.values,
    );
    const beyond = rows.some((row) => row.examined > walk);
    const matching = rows.filter((row) => row.examined <= walk).slice(0, wanted);
    return { rows: matching, exhaustive: !beyond };
  }

  /** Adds the conditions the driver does not guarantee. */
  private withFilters(
    plan: Candidates,
    term: string | undefined,
    tags: string[],
    anyOf: string[],
    ws: string,
    params: Params,
    drivingTag: string | undefined,
  ): Candidates {
    const filters = [...plan.filters];
    for (const tag of tags) {
      if (tag === drivingTag) continue;
      filters.push(
        `EXISTS (SELECT 1 FROM contact_tags t WHERE t.workspace_id = ${ws} AND t.tag = ${params.param(tag)} AND t.contact_id = c.id)`,
      );
    }
    if (anyOf.length > 0) {
      filters.push(
        `EXISTS (SELECT 1 FROM contact_tags t WHERE t.workspace_id = ${ws} AND t.contact_id = c.id AND t.tag = ANY(${params.param(anyOf)}::text[]))`,
      );
    }
    if (term !== undefined) filters.push(`strpos(c.search_text, ${params.param(term)}) > 0`);
    return { ...plan, filters };
  }

  /**
   * The first `wanted` candidates that pass the filters. Past the bound of examined candidates
   * with the page not full, the call is refused (QueryTooBroadError) rather than read on.
   */
  private async boundedPage(
    plan: Candidates,
    params: Params,
    wanted: number,
  ): Promise<PostgresContactRow[]> {
    const where = plan.filters.length > 0 ? `WHERE ${plan.filters.join(" AND ")}` : "";
    // Ordered again: a filter may be planned as a join that loses the candidates' order. Where
    // it keeps it, the planner sees the candidates sorted already and stops at the page.
    const rows = await this.rows(
      `SELECT ${PG_COLUMNS} FROM (${plan.sql}) c ${where}
       ORDER BY ${plan.orderBy} LIMIT ${params.param(wanted)}`,
      params,
    );
    if (rows.length < wanted && plan.countSql !== null) {
      // A short page: the candidates ran out, or the bound stopped them.
      const { rows: sizes } = await this.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (${plan.countSql ?? plan.sql}) c`,
        params.values.slice(0, plan.paramCount),
      );
      if ((sizes[0]?.n ?? 0) > this.maxExaminedRows) throw new QueryTooBroadError();
    }
    return rows;
  }

  /**
   * The candidates under a sorted order (display name, or last update): keyset pagination on
   * (sort key, id) over the workspace's (workspace_id, key, id) index, from the cursor
   * contact's current sort key. Limited to the bound + 1 (filters are added by the caller).
   */
  private async sorted(
    workspaceId: string,
    query: ListContactsQuery,
    sort: "display_name" | "updated",
    params: Params,
    ws: string,
  ): Promise<Candidates> {
    const backwards = query.endingBefore !== undefined;
    const cursorId = query.endingBefore ?? query.startingAfter;
    const where = [`c.workspace_id = ${ws}`];
    if (cursorId !== undefined) {
      const { rows } = await this.pool.query<PostgresContactRow>(
        `SELECT ${PG_COLUMNS} FROM contacts WHERE workspace_id = $1 AND id = $2`,
        [workspaceId, cursorId],
      );
      const cursor = rows[0];
      if (!cursor) {
        throw new CursorNotFoundError(cursorId, backwards ? "endingBefore" : "startingAfter");
      }
      if (sort === "updated") {
        where.push(
          `(c.updated_at, c.id) ${backwards ? ">" : "<"} (${params.param(cursor.updated_at)}, ${params.param(cursor.id)})`,
        );
      } else if (cursor.display_name === null) {
        // A-Z with no name first: NULL sorts before every name.
        const id = params.param(cursor.id);
        where.push(
          backwards
            ? `(c.display_name IS NULL AND c.id < ${id})`
            : `(c.display_name IS NOT NULL OR c.id > ${id})`,
        );
      } else {
        const name = params.param(cursor.display_name);
        const id = params.param(cursor.id);
        where.push(
          backwards
            ? `(c.display_name IS NULL OR (c.display_name, c.id) < (${name}::bytea, ${id}))`
            : `(c.display_name, c.id) > (${name}::bytea, ${id})`,
        );
      }
    }
    const forwards = sort === "updated" ? "DESC" : "ASC";
    const direction = backwards ? (forwards === "ASC" ? "DESC" : "ASC") : forwards;
    // No name sorts first A-Z, so last Z-A (the index serves both directions).
    const nulls = direction === "ASC" ? "NULLS FIRST" : "NULLS LAST";
    const orderBy =
      sort === "updated"
        ? `c.updated_at ${direction}, c.id ${direction}`
        : `c.display_name ${direction} ${nulls}, c.id ${direction}`;
    const filtered =
      query.search !== undefined ||
      (query.tags?.length ?? 0) > 0 ||
      (query.anyTags?.length ?? 0) > 0;
    const limit = filtered ? ` LIMIT ${params.param(this.maxExaminedRows + 1)}` : "";
    const sql = `SELECT ${PG_QUALIFIED_COLUMNS}, c.search_text FROM contacts c
       WHERE ${where.join(" AND ")} ORDER BY ${orderBy}${limit}`;
    return {
      sql,
      filters: [],
      paramCount: params.values.length,
      orderBy,
    };
  }

  /**
   * How many contacts hold each tag, counted up to `bound`, in the tags' order. One statement:
   * a list call holds one connection at a time, however many tags it names (up to 50).
   */
  private async tagCounts(workspaceId: string, tags: string[], bound: number): Promise<number[]> {
    if (tags.length === 0) return [];
    const { rows } = await this.pool.query<{ n: number }>(
      `SELECT (SELECT count(*)::int FROM (SELECT 1 FROM contact_tags
                 WHERE workspace_id = $1 AND tag = t.tag LIMIT $3) p) AS n
       FROM unnest($2::text[]) WITH ORDINALITY AS t(tag, i) ORDER BY t.i`,
      [workspaceId, tags, bound],
    );
    return rows.map((row) => row.n);
  }

  private async rows(sql: string, params: Params): Promise<PostgresContactRow[]> {
    return (await this.pool.query<PostgresContactRow>(sql, params.values)).rows;
  }
}

/**
 * One contact by its primary key, for a LATERAL join from a driver's postings: kept a subquery
 * (OFFSET 0), so the postings' contacts are looked up one by one in their order. As a plain join
 * the planner may prefer a hash join over a sequential scan of the whole table — every
 * workspace's rows — when the postings are many and the table is small.
 */
function contactOf(id: string, ws: string): string {
  return `SELECT * FROM contacts c WHERE c.workspace_id = ${ws} AND c.id = ${id} OFFSET 0`;
}

/**
 * The columns of a contact found from a posting `d`, its id taken from the posting: the planner
 * then sees the candidates already in the postings' order, and stops at the page.
 */
const POSTING_COLUMNS = PG_QUALIFIED_COLUMNS.replace(/^c\.id, /, "d.contact_id AS id, ");

/** The page's direction along ids: newest first, unless it ends before a cursor. */
function order(query: ListContactsQuery): "ASC" | "DESC" {
  return query.endingBefore !== undefined ? "ASC" : "DESC";
}

/**
 * A tag's postings from the cursor in page order, at most `limit` (a parameter), and the
 * candidates they name (as `c`), each looked up by key in the postings' order.
 */
function tagCandidates(
  tag: string,
  query: ListContactsQuery,
  ws: string,
  limit: string,
  params: Params,
): { sql: string; postings: string } {
  const cursor = cursorOf(query);
  const cursorSql = cursor ? ` AND contact_id ${cursor.op} ${params.param(cursor.id)}` : "";
  const direction = order(query);
  const postings = `SELECT contact_id FROM contact_tags
           WHERE workspace_id = ${ws} AND tag = ${params.param(tag)}${cursorSql}
           ORDER BY contact_id ${direction} LIMIT ${limit}`;
  const sql = `SELECT ${POSTING_COLUMNS}, c.search_text FROM (${postings}) d
           CROSS JOIN LATERAL (${contactOf("d.contact_id", ws)}) c
           ORDER BY d.contact_id ${direction}`;
  return { sql, postings };
}

/** The cursor of a list call as an id condition: ids below starting_after or above ending_before. */
function cursorOf(query: ListContactsQuery): { op: "<" | ">"; id: string } | undefined {
  if (query.startingAfter !== undefined) return { op: "<", id: query.startingAfter };
  if (query.endingBefore !== undefined) return { op: ">", id: query.endingBefore };
  return undefined;
}

/**
 * The contacts of workspace `ws` whose search text holds `term` (3+ characters), found through
 * the index of the workspace's own search keys (migration 3): the rows holding every key of the
 * term, each then checked for the term itself. The keys of the term are folded into a constant
 * at planning (the function is immutable), which lets the planner weigh them.
 */
function termMatch(ws: string, term: string): string {
  return `contact_search_keys(workspace_id, search_text) @> contact_search_keys(${ws}::uuid, ${term})
    AND strpos(search_text, ${term}) > 0`;
}
