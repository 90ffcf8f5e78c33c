// Measures PostgreSQL search with migration 1's shared trigram index against migration 3's
// workspace-prefixed search keys: workspace A's lookups (the term count, then the page of
// matches: the two statements of a term that reach the index) with 100k contacts in A and 100k
// in B, B holding some terms thousands of times; then A's searches through the store.
// Run: node --import tsx apps/server/scripts/measure-postgres-search.ts [--contacts 100000]
import { parseArgs } from "node:util";
import { DEFAULT_POSTGRES_SETTINGS } from "../src/config.js";
import { openPool, type Pool } from "../src/store/postgres/pool.js";
import { PostgresContactStore } from "../src/store/postgres/postgres-contact-store.js";
import { PG_COLUMNS } from "../src/store/postgres/postgres-rows.js";
import { createTestDatabase } from "../test/support/postgres-databases.js";

const { values: args } = parseArgs({
  options: {
    contacts: { type: "string", default: "100000" },
    rounds: { type: "string", default: "200" },
  },
});
const PER_WORKSPACE = Number(args.contacts);
const ROUNDS = Number(args.rounds);
const A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
const C = "cccccccc-cccc-4ccc-8ccc-cccccccccccc";
const BOUND = 5000;

/** The terms, with who holds them (see seed). */
const TERMS = {
  "rare, B holds it 25k times": "targetcorp.com",
  "rare, B does not hold it": "victimfirm.biz",
  "absent, B holds it 25k times": "hiddenbank.uvw",
  "absent, nobody holds it": "nobodyelse.uvw",
  "common (a third of A)": "example.org",
} as const;

const OLD_MATCH = "search_text LIKE '%' || $2 || '%'";
const NEW_MATCH = `contact_search_keys(workspace_id, search_text) @> contact_search_keys($1::uuid, $2)
  AND strpos(search_text, $2) > 0`;

/** Contacts from..to-1 of a workspace: emails at example.org, other.net or the given domains. */
async function seed(pool: Pool, workspaceId: string, from: number, to: number, special: string[]) {
  // Every 4000th contact (25 in 100k) at special[0], every 4000th + 1 at special[1]; for B,
  // special holds the domains B has by the 25,000 (every 4th row).
  await pool.query(
    `INSERT INTO contacts (workspace_id, id, external_id, display_name, email, avatar_url, tags,
       metadata, search_text, created_at, updated_at, version)
     SELECT $1, 'contact_' || lpad(i::text, 26, '0'), 'ext-' || i, convert_to(n, 'UTF8'), e, NULL,
       '[]', '{}', lower('ext-' || i || E'\\n' || n || E'\\n' || e), i, i, 1
     FROM generate_series($2::int, $3::int - 1) AS i,
       LATERAL (SELECT (ARRAY['Ada','Grace','Alan','Edsger','Barbara','Donald','Frances','Ken'])[i % 8 + 1]
                  || ' ' || (ARRAY['Lovelace','Hopper','Turing','Dijkstra','Liskov','Knuth','Allen','Thompson'])[(i / 8) % 8 + 1]
                  || ' ' || i AS n) names,
       LATERAL (SELECT 'user' || i || '@' || CASE
                  WHEN $5 AND i % 4 = 0 THEN ($4::text[])[1]
                  WHEN $5 AND i % 4 = 1 THEN ($4::text[])[2]
                  WHEN NOT $5 AND i % 4000 = 0 THEN ($4::text[])[1]
                  WHEN NOT $5 AND i % 4000 = 1 THEN ($4::text[])[2]
                  WHEN i % 3 = 0 THEN 'example.org' ELSE 'other.net' END AS e) emails`,
    [workspaceId, from, to, special, workspaceId === B],
  );
}

/** The terms, starting one further each round: no term always follows the same one. */
function inTurn(round: number): [string, string][] {
  const entries = Object.entries(TERMS);
  const start = round % entries.length;
  return [...entries.slice(start), ...entries.slice(0, start)];
}

async function timed<T>(work: () => Promise<T>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function quantiles(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return `p50 ${at(0.5).toFixed(2)} ms  p99 ${at(0.99).toFixed(2)} ms`;
}

/** A's term count and page of matches, as the lister's term driver sends them. */
async function lookup(pool: Pool, match: string, term: string): Promise<void> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM contacts WHERE workspace_id = $1 AND ${match} LIMIT $3) m`,
    [A, term, BOUND + 1],
  );
  const n = rows[0]?.n ?? 0;
  if (n === 0 || n > BOUND) return;
  await pool.query(
    `WITH m AS MATERIALIZED (SELECT ${PG_COLUMNS} FROM contacts WHERE workspace_id = $1 AND ${match})
     SELECT * FROM m ORDER BY id DESC LIMIT 11`,
    [A, term],
  );
}

/** Shared buffers A's count for `term` touches, and the indexes its plan reads. */
async function buffers(pool: Pool, match: string, term: string): Promise<string> {
  const { rows } = await pool.query<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(
    `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT count(*)::int AS n FROM (SELECT 1 FROM contacts
       WHERE workspace_id = $1 AND ${match} LIMIT $3) m`,
    [A, term, BOUND + 1],
  );
  const plan = rows[0]?.["QUERY PLAN"][0].Plan;
  const indexes = new Set<string>();
  const walk = (node: PlanNode) => {
    if (node["Index Name"]) indexes.add(node["Index Name"]);
    for (const child of node.Plans ?? []) walk(child);
  };
  if (plan) walk(plan);
  const pages = (plan?.["Shared Hit Blocks"] ?? 0) + (plan?.["Shared Read Blocks"] ?? 0);
  return `${pages} buffers via ${[...indexes].join(", ") || "no index"}`;
}

interface PlanNode {
  "Index Name"?: string;
  "Shared Hit Blocks"?: number;
  "Shared Read Blocks"?: number;
  Plans?: PlanNode[];
}

async function measure(pool: Pool, label: string, match: string): Promise<void> {
  console.log(`\n${label}: A's count + page of matches (SQL), ${ROUNDS} rounds, terms in turn`);
  const samples = new Map<string, number[]>(Object.keys(TERMS).map((name) => [name, []]));
  for (const term of Object.values(TERMS))
    for (let i = 0; i < 5; i++) await lookup(pool, match, term);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, term] of inTurn(round)) {
      samples.get(name)?.push(await timed(() => lookup(pool, match, term)));
    }
  }
  for (const [name, term] of Object.entries(TERMS)) {
    const pages = await buffers(pool, match, term);
    console.log(`  ${name.padEnd(30)} ${quantiles(samples.get(name) ?? [])}  count: ${pages}`);
  }
}

/** Time to insert 5,000 contacts of a third workspace with the index in place (then removed). */
async function insertCost(pool: Pool): Promise<void> {
  const ms = await timed(() => seed(pool, C, 10_000_000, 10_005_000, ["x.com", "y.com"]));
  await pool.query("DELETE FROM contacts WHERE workspace_id = $1", [C]);
  await pool.query("VACUUM contacts");
  console.log(`  insert of 5,000 contacts (one statement): ${ms.toFixed(0)} ms`);
}

const database = await createTestDatabase();
const pool = openPool(database.url, { ...DEFAULT_POSTGRES_SETTINGS, statementTimeoutMs: 0 });
try {
  await pool.query(
    "INSERT INTO workspaces (id, name, created_at) VALUES ($1, 'a', 0), ($2, 'b', 0), ($3, 'c', 0)",
    [A, B, C],
  );
  await pool.query("DROP INDEX contacts_search_keys");
  let t = await timed(async () => {
    await seed(pool, A, 1, PER_WORKSPACE + 1, [
      TERMS["rare, B holds it 25k times"],
      TERMS["rare, B does not hold it"],
    ]);
    await seed(pool, B, PER_WORKSPACE + 1, 2 * PER_WORKSPACE + 1, [
      TERMS["rare, B holds it 25k times"],
      TERMS["absent, B holds it 25k times"],
    ]);
  });
  console.log(`seeded ${PER_WORKSPACE} contacts in A and in B in ${(t / 1000).toFixed(1)} s`);

  t = await timed(() =>
    pool.query(
      "CREATE INDEX contacts_search ON contacts USING gin (workspace_id, search_text gin_trgm_ops)",
    ),
  );
  await pool.query("VACUUM ANALYZE contacts");
  const oldSize = await pool.query<{ s: string }>(
    "SELECT pg_size_pretty(pg_relation_size('contacts_search')) AS s",
  );
  console.log(`\nmigration 1's index built in ${(t / 1000).toFixed(1)} s, ${oldSize.rows[0]?.s}`);
  await insertCost(pool);
  await measure(pool, "migration 1 (shared trigram index)", OLD_MATCH);
  await pool.query("DROP INDEX contacts_search");

  t = await timed(() =>
    pool.query(`CREATE INDEX contacts_search_keys ON contacts
      USING gin (contact_search_keys(workspace_id, search_text)) WITH (fastupdate = off)`),
  );
  await pool.query("VACUUM ANALYZE contacts");
  const newSize = await pool.query<{ s: string }>(
    "SELECT pg_size_pretty(pg_relation_size('contacts_search_keys')) AS s",
  );
  console.log(`\nmigration 3's index built in ${(t / 1000).toFixed(1)} s, ${newSize.rows[0]?.s}`);
  await insertCost(pool);
  await measure(pool, "migration 3 (workspace-prefixed keys)", NEW_MATCH);

  console.log(`\nmigration 3 through the store: A's list(limit 10, search), ${ROUNDS} rounds`);
  const store = new PostgresContactStore(pool);
  const samples = new Map<string, number[]>(Object.keys(TERMS).map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, term] of inTurn(round)) {
      samples.get(name)?.push(await timed(() => store.list(A, { limit: 10, search: term })));
    }
  }
  for (const name of Object.keys(TERMS)) {
    console.log(`  ${name.padEnd(30)} ${quantiles(samples.get(name) ?? [])}`);
  }
} finally {
  await pool.end();
  await database.drop();
}
