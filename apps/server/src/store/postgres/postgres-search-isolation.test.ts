// A search on PostgreSQL reads only the caller's workspace: the shared buffers workspace A's
// search touches are the same whether workspace B holds none or thousands of contacts with the
// term; and a tag filter reads A's postings and their contacts, never a scan of the table.
// Counted with EXPLAIN (ANALYZE, BUFFERS) over the very statements the store sends, so the
// test holds by counting pages, not by timing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../../test/support/postgres-databases.js";
import { DEFAULT_POSTGRES_SETTINGS } from "../../config.js";
import { migratePostgres } from "./migrate.js";
import { openPool, type Pool } from "./pool.js";
import { PostgresContactLister } from "./postgres-contact-lister.js";

const A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
/** Contacts of A: enough that a search goes through the index, not a scan of A's rows. */
const A_CONTACTS = 5000;
/** Contacts of B, a third at each term B holds, added between the two readings. */
const B_CONTACTS = 12_000;
/**
 * Pairs of terms of the same length, with no trigram in common with each other or with the
 * rest of the data: A holds three contacts of each rare term and none of each absent term; B
 * holds thousands of the first term of each pair and none of the second.
 */
const RARE = { heldByB: "targetcorp.com", notHeldByB: "victimfirm.biz" };
const ABSENT = { heldByB: "hiddenbank.uvw", notHeldByB: "nobodyelse.uvw" };
/** Inserting thousands of rows, each key straight into the index, takes seconds on a busy machine. */
const SETUP_TIMEOUT_MS = 120_000;

interface Statement {
  text: string;
  values: unknown[];
}

interface Reading {
  /** Shared buffers hit or read by each statement's execution, in order. */
  buffers: number[];
  /** The indexes each statement's plan uses. */
  indexes: string[][];
  /** The ids the search returned. */
  ids: string[];
}

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: Pool;
/** The lister's own pool, whose statements are recorded to be explained on `pool`. */
let listerPool: Pool;
let recorded: Statement[] = [];
let lister: PostgresContactLister;

/**
 * Inserts contacts of `workspaceId` numbered from..to-1, the email of every `every`th at domain
 * `first` (i % every = 1) or `second` (i % every = 2), the others at example.org.
 */
async function insertContacts(
  workspaceId: string,
  range: [from: number, to: number],
  every: number,
  first: string,
  second: string,
) {
  await pool.query(
    `INSERT INTO contacts (workspace_id, id, external_id, display_name, email, avatar_url, tags,
       metadata, search_text, created_at, updated_at, version)
     SELECT $1, 'contact_' || lpad(i::text, 26, '0'), 'ext-' || i, convert_to('Person ' || i, 'UTF8'),
       e, NULL, '[]', '{}', 'ext-' || i || E'\\nperson ' || i || E'\\n' || e, i, i, 1
     FROM generate_series($2::int, $3::int - 1) AS i,
       LATERAL (SELECT 'p' || i || '@' || CASE i % $4 WHEN 1 THEN $5 WHEN 2 THEN $6
                ELSE 'example.org' END AS e) x`,
    [workspaceId, range[0], range[1], every, first, second],
  );
  // Settled statistics and visibility: the plans and pages depend on the data, not on when
  // autovacuum last passed.
  await pool.query("VACUUM ANALYZE contacts");
}

/** Shared buffers of a plan node (its children included), and the indexes under it. */
function walk(node: Record<string, unknown>, indexes: Set<string>): number {
  const name = node["Index Name"];
  if (typeof name === "string") indexes.add(name);
  for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) {
    walk(child, indexes);
  }
  return Number(node["Shared Hit Blocks"] ?? 0) + Number(node["Shared Read Blocks"] ?? 0);
}

/** Every node of a plan, its children included. */
function nodesOf(node: Record<string, unknown>): Record<string, unknown>[] {
  const children = (node.Plans as Record<string, unknown>[] | undefined) ?? [];
  return [node, ...children.flatMap(nodesOf)];
}

/** Runs A's search for `term` through the lister, then explains each statement it sent. */
async function readSearch(term: string): Promise<Reading> {
  // Once untimed: the first read of fresh rows sets their hint bits.
  await lister.list(A, { limit: 10, search: term });
  recorded = [];
  const page = await lister.list(A, { limit: 10, search: term });
  const statements = recorded;
  const reading: Reading = { buffers: [], indexes: [], ids: page.contacts.map((c) => c.id) };
  for (const { text, values } of statements) {
    const { rows } = await pool.query<{ "QUERY PLAN": [{ Plan: Record<string, unknown> }] }>(
      `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`,
      values,
    );
    const indexes = new Set<string>();
    const plan = rows[0]?.["QUERY PLAN"][0].Plan as Record<string, unknown>;
    reading.buffers.push(walk(plan, indexes));
    reading.indexes.push([...indexes].sort());
  }
  return reading;
}

beforeAll(async () => {
  database = await createTestDatabase();
  // Setting up thousands of rows may take longer than a request's statement timeout.
  pool = openPool(database.url, { ...DEFAULT_POSTGRES_SETTINGS, statementTimeoutMs: 0 });
  await migratePostgres(pool);
  listerPool = openPool(database.url);
  const query = listerPool.query.bind(listerPool);
  listerPool.query = ((text: string, values: unknown[]) => {
    recorded.push({ text, values });
    return query(text, values);
  }) as typeof listerPool.query;
  lister = new PostgresContactLister(listerPool);
  await pool.query(
    "INSERT INTO workspaces (id, name, created_at) VALUES ($1, 'a', 0), ($2, 'b', 0)",
    [A, B],
  );
  // Three of A's contacts at each rare term's domain.
  const every = Math.ceil(A_CONTACTS / 3);
  await insertContacts(A, [1, A_CONTACTS + 1], every, RARE.heldByB, RARE.notHeldByB);
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await listerPool?.end();
  await pool?.end();
  await database?.drop();
});

describe("search isolation on PostgreSQL", () => {
  it(
    "reads the same pages for A's search whether B holds thousands of contacts with the term or none",
    async () => {
      const read = async () => ({
        rare: {
          heldByB: await readSearch(RARE.heldByB),
          notHeldByB: await readSearch(RARE.notHeldByB),
        },
        absent: {
          heldByB: await readSearch(ABSENT.heldByB),
          notHeldByB: await readSearch(ABSENT.notHeldByB),
        },
      });
      const alone = await read();
      // B: thousands of contacts at the first term of each pair, their rows after A's.
      await insertContacts(
        B,
        [A_CONTACTS + 1, A_CONTACTS + 1 + B_CONTACTS],
        3,
        RARE.heldByB,
        ABSENT.heldByB,
      );
      const beside = await read();

      for (const pair of [beside.rare, beside.absent]) {
        // A term B holds and one it does not: the same statements, plans and pages.
        expect(pair.heldByB.indexes).toEqual(pair.notHeldByB.indexes);
        expect(pair.heldByB.buffers).toEqual(pair.notHeldByB.buffers);
        // Through the workspace's own search keys (migration 3), not a shared trigram index.
        expect(pair.heldByB.indexes.flat()).toContain("contacts_search_keys");
        expect(pair.heldByB.indexes.flat()).not.toContain("contacts_search");
      }
      for (const term of ["rare", "absent"] as const) {
        for (const which of ["heldByB", "notHeldByB"] as const) {
          const [before, after] = [alone[term][which], beside[term][which]];
          expect(after.ids).toEqual(before.ids);
          expect(after.ids).toHaveLength(term === "rare" ? 3 : 0);
          expect(after.indexes).toEqual(before.indexes);
          // And with B or without: the statements through the search keys read the same pages.
          // (The walk along the id index may read one page more once the whole table's id
          // index grows a level: a log of the table's size, whatever the terms.)
          const searched = before.indexes.flatMap((names, i) =>
            names.includes("contacts_search_keys") ? [i] : [],
          );
          expect(searched.map((i) => after.buffers[i])).toEqual(
            searched.map((i) => before.buffers[i]),
          );
        }
      }
    },
    SETUP_TIMEOUT_MS,
  );

  it(
    "drives a tag filter from A's postings, each contact looked up by key: no scan of a table",
    async () => {
      // B: 10,000 more contacts, every one tagged, so most of the table and of the tag index
      // is B's (as in a database of many workspaces).
      const first = A_CONTACTS + B_CONTACTS + 1;
      await insertContacts(B, [first, first + 10_000], 3, "b-one.example", "b-two.example");
      await pool.query(
        `INSERT INTO contact_tags (workspace_id, tag, contact_id)
         SELECT workspace_id, 'common', id FROM contacts WHERE workspace_id = $1`,
        [B],
      );
      // A third of A's contacts hold the tag: fewer than the bound, so the tag drives the page.
      await pool.query(
        `INSERT INTO contact_tags (workspace_id, tag, contact_id)
         SELECT $1, 'common', 'contact_' || lpad(i::text, 26, '0')
         FROM generate_series(1, $2::int) AS i WHERE i % 3 = 0`,
        [A, A_CONTACTS],
      );
      await pool.query("VACUUM ANALYZE contact_tags");
      await lister.list(A, { limit: 10, tags: ["common"] });
      recorded = [];
      const page = await lister.list(A, { limit: 10, tags: ["common"] });
      expect(page.contacts).toHaveLength(10);
      const statements = recorded;
      for (const { text, values } of statements) {
        const { rows } = await pool.query<{ "QUERY PLAN": [{ Plan: Record<string, unknown> }] }>(
          `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`,
          values,
        );
        const plan = rows[0]?.["QUERY PLAN"][0].Plan as Record<string, unknown>;
        const scans = nodesOf(plan).filter((node) => node["Node Type"] === "Seq Scan");
        // A sequential scan would read every workspace's rows (a plain join may be planned
        // as a hash join over one when the table is small).
        expect(scans.map((node) => node["Relation Name"])).toEqual([]);
        // The page stops after its rows (35–48 pages here), where a join that reads all of A's
        // 1,666 postings and their contacts first took 206.
        expect(walk(plan, new Set())).toBeLessThan(100);
      }
    },
    SETUP_TIMEOUT_MS,
  );
});
