// Which PostgreSQL driver the store uses, measured: `pg` (node-postgres) against `postgres`
// (porsager), the same statements in the same run, alternating rounds; prints each driver's
// throughput and the ratio postgres / pg. Run: node --import tsx apps/bench/src/pg-drivers.ts
//   [--url postgres://postgres@127.0.0.1:5432/postgres] [--ops 4000] [--concurrency 16] [--rounds 3]
import { randomUUID } from "node:crypto";
import pg from "pg";
import postgres from "postgres";
import { parseArgs } from "./args.js";

const args = parseArgs(process.argv.slice(2), ["url", "ops", "concurrency", "rounds"]);
const adminUrl = args.string("url", "postgres://postgres@127.0.0.1:5432/postgres");
const ops = args.number("ops", 4000);
const concurrency = args.number("concurrency", 16);
const rounds = args.number("rounds", 3);

/** The work of a create and of a retrieve, as the store does it (a contact-shaped row). */
const INSERT = `INSERT INTO bench_contacts (workspace_id, id, external_id, display_name, tags, metadata, search_text, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`;
const SELECT = `SELECT workspace_id, id, external_id, display_name, tags, metadata, created_at
  FROM bench_contacts WHERE workspace_id = $1 AND id = $2`;

interface Driver {
  name: string;
  insert(values: unknown[]): Promise<unknown>;
  select(values: unknown[]): Promise<unknown>;
  end(): Promise<void>;
}

const database = `contacts_bench_drivers_${process.pid}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${database}`);
const url = new URL(adminUrl);
url.pathname = `/${database}`;

try {
  const setup = new pg.Client({ connectionString: url.toString() });
  await setup.connect();
  await setup.query(`CREATE TABLE bench_contacts (
    workspace_id uuid, id text COLLATE "C", external_id text, display_name bytea, tags text,
    metadata text, search_text text, created_at bigint, PRIMARY KEY (workspace_id, id))`);
  await setup.end();

  const pool = new pg.Pool({ connectionString: url.toString(), max: concurrency });
  const sql = postgres(url.toString(), { max: concurrency, prepare: true, onnotice: () => {} });
  const drivers: Driver[] = [
    {
      name: "pg",
      insert: (values) => pool.query(INSERT, values),
      select: (values) => pool.query(SELECT, values),
      end: () => pool.end(),
    },
    {
      name: "postgres",
      insert: (values) => sql.unsafe(INSERT, values as never[], { prepare: true }),
      select: (values) => sql.unsafe(SELECT, values as never[], { prepare: true }),
      end: () => sql.end(),
    },
  ];
  const workspace = randomUUID();
  let counter = 0;
  const results = new Map<string, { insert: number[]; select: number[] }>();
  for (let round = 0; round < rounds; round++) {
    for (const driver of round % 2 === 0 ? drivers : [...drivers].reverse()) {
      const ids: string[] = [];
      const insertRate = await timed(ops, async () => {
        const id = `contact_${String(++counter).padStart(26, "0")}`;
        ids.push(id);
        await driver.insert([
          workspace,
          id,
          `user_${counter}`,
          Buffer.from(`Person ${counter}`),
          '["premium","beta"]',
          '{"plan":"pro"}',
          `user_${counter}\nperson ${counter}\n`,
          Date.now(),
        ]);
      });
      let i = 0;
      const selectRate = await timed(ops, async () => {
        await driver.select([workspace, ids[i++ % ids.length]]);
      });
      const entry = results.get(driver.name) ?? { insert: [], select: [] };
      entry.insert.push(insertRate);
      entry.select.push(selectRate);
      results.set(driver.name, entry);
    }
  }
  for (const driver of drivers) await driver.end();

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const base = results.get("pg") as { insert: number[]; select: number[] };
  console.log(
    `ops per driver per round ${ops}, concurrency ${concurrency}, rounds ${rounds} (median)`,
  );
  console.log("driver     insert/s  select/s  insert ratio  select ratio");
  for (const [name, entry] of results) {
    console.log(
      `${name.padEnd(9)} ${median(entry.insert).toFixed(0).padStart(9)} ${median(entry.select).toFixed(0).padStart(9)}  ${(median(entry.insert) / median(base.insert)).toFixed(2).padStart(12)}  ${(median(entry.select) / median(base.select)).toFixed(2).padStart(12)}`,
    );
  }
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
}

/** Runs `op` `n` times, `concurrency` at a time; resolves to operations per second. */
async function timed(n: number, op: () => Promise<void>): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        await op();
      }
    }),
  );
  return n / (Number(process.hrtime.bigint() - started) / 1e9);
}
