// `npm run bench:scale [-- --contacts 1000000]`: how list and search latencies grow from 1k to N
// contacts (through the real server over HTTP), and how fast the server's write path seeds N
// contacts compared with a raw batched better-sqlite3 insert into the same schema. Figures, not
// a test: the target column only says where the targets stand.
// Options: --contacts 100000, --small 1000, --samples 1000, --budget 10 (s per query),
// --batch 10000, --from auto|dist|src|<compiled copy>, --keep.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "./args.js";
import {
  COMMON_EVERY,
  COMMON_TERM,
  createKey,
  idAt,
  NO_MATCH_TERM,
  RARE_MATCHES,
  RARE_TERM,
  type SeedResult,
  seedRaw,
  seedThroughStore,
} from "./dataset.js";
import { startTarget } from "./processes.js";
import { type LatencySamples, sampleLatency } from "./sampler.js";
import { searchPath } from "./scenarios.js";
import {
  chooseServerCode,
  loadServerModules,
  REPO_ROOT,
  type ServerModules,
  serverCommand,
} from "./server-modules.js";
import { ms, rate, ratio, table } from "./stats.js";

const args = parseArgs(process.argv.slice(2), [
  "contacts",
  "small",
  "samples",
  "budget",
  "batch",
  "from",
  "keep",
]);
const n = Math.round(args.number("contacts", 100_000));
const small = Math.round(args.number("small", 1_000));
const samples = Math.round(args.number("samples", 1000));
const budgetMs = args.number("budget", 10) * 1000;
const batch = Math.max(1, Math.round(args.number("batch", 10_000)));
const { code, warning } = chooseServerCode(args.string("from", "auto"));
const count = (x: number) => x.toLocaleString("en-US");
const log = (line: string) => process.stderr.write(`${line}\n`);
if (warning) log(`warning: ${warning}`);

const dir = mkdtempSync(join(tmpdir(), "contacts-scale-"));
const modules = await loadServerModules(code.dir);

interface Seeded {
  path: string;
  key: string;
  deepCursor: string;
  seed: SeedResult;
}

/** Seeds `rows` contacts through the server's store into a fresh file. */
async function seedStoreDb(modules: ServerModules, name: string, rows: number): Promise<Seeded> {
  const path = join(dir, `${name}.db`);
  const stores = modules.stores.openSqliteStores(path);
  const { key, workspaceId } = await createKey(stores, "bench");
  const seed = await seedThroughStore(
    modules,
    stores,
    workspaceId,
    rows,
    batch,
    progress("store", rows),
  );
  const deepCursor = idAt(stores.database, workspaceId, 0.1);
  stores.close();
  return { path, key, deepCursor, seed };
}

function progress(label: string, rows: number): (done: number) => void {
  let last = performance.now();
  return (done) => {
    if (performance.now() - last < 5000 && done < rows) return;
    last = performance.now();
    log(`  ${label}: ${count(done)} / ${count(rows)}`);
  };
}

const fileMb = (path: string) => {
  const size = (p: string) => {
    try {
      return statSync(p).size;
    } catch {
      return 0;
    }
  };
  return (size(path) + size(`${path}-wal`)) / 1024 / 1024;
};

try {
  log(
    `seeding ${count(n)} contacts through the server's store (${count(batch)} per transaction) …`,
  );
  const large = await seedStoreDb(modules, "large", n);
  const largeMb = fileMb(large.path);

  log(`seeding ${count(n)} contacts with raw batched INSERTs (${count(batch)} per transaction) …`);
  const rawPath = join(dir, "raw.db");
  const rawDb = modules.database.openDatabase(rawPath);
  const raw = await seedRaw(modules, rawDb, n, batch, progress("raw", n));
  rawDb.close();
  for (const suffix of ["", "-wal", "-shm"]) rmSync(`${rawPath}${suffix}`, { force: true });

  log(`seeding ${count(small)} contacts …`);
  const little = await seedStoreDb(modules, "small", small);

  const queries = (deepCursor: string) => [
    { name: "list: first page", path: "/v2/contacts?limit=10&include_metrics=false" },
    {
      name: "list: deep page (cursor 90% deep)",
      path: `/v2/contacts?limit=10&include_metrics=false&starting_after=${deepCursor}`,
    },
    { name: `search: rare term (${RARE_MATCHES} matches)`, path: searchPath(RARE_TERM) },
    { name: `search: common term (1 in ${COMMON_EVERY})`, path: searchPath(COMMON_TERM) },
    { name: "search: no match", path: searchPath(NO_MATCH_TERM) },
  ];

  const measured: { rows: number; results: LatencySamples[]; rss: number }[] = [];
  for (const [rows, db] of [
    [small, little],
    [n, large],
  ] as const) {
    log(`measuring at ${count(rows)} contacts …`);
    const server = await startTarget(
      "server",
      serverCommand(code),
      // Sequential requests still outrun the default per-key limit (100/s): lift it.
      {
        DATABASE_URL: db.path,
        NODE_ENV: "production",
        LOG_LEVEL: "warn",
        RATE_LIMIT_RPS: "1000000",
        RATE_LIMIT_BURST: "1000000",
      },
      REPO_ROOT,
    );
    try {
      const results: LatencySamples[] = [];
      for (const query of queries(db.deepCursor)) {
        const result = await sampleLatency(
          server.url,
          query.path,
          { Authorization: `Bearer ${db.key}` },
          { samples, budgetMs },
        );
        if (result.failures > 0) log(`  ${query.name}: ${result.failures} failed responses`);
        log(
          `  ${query.name}: p50 ${ms(result.p50)} ms, p99 ${ms(result.p99)} ms (${result.count} samples)`,
        );
        results.push(result);
      }
      measured.push({ rows, results, rss: server.peakRssMb() });
    } finally {
      await server.stop();
    }
  }

  const failed = measured.reduce(
    (total, m) => total + m.results.reduce((sum, r) => sum + r.failures, 0),
    0,
  );
  const [atSmall, atLarge] = measured as [(typeof measured)[0], (typeof measured)[0]];
  const rows = queries("").map((query, i) => {
    const a = atSmall.results[i] as LatencySamples;
    const b = atLarge.results[i] as LatencySamples;
    const growth = b.p99 / a.p99;
    const target = query.name.startsWith("list")
      ? `p99 ≤ 1.5× at 1k: ${growth <= 1.5 ? "met" : "not met"}`
      : query.name.includes("no match")
        ? "(no target)"
        : `p99 ≤ 10 ms: ${b.p99 <= 10 ? "met" : "not met"}`;
    return [
      query.name,
      ms(a.p50),
      ms(a.p99),
      ms(b.p50),
      ms(b.p99),
      ratio(growth),
      `${a.count}/${b.count}`,
      target,
    ];
  });
  const seedRatio = large.seed.rowsPerSecond / raw.rowsPerSecond;

  const out = (text: string) => process.stdout.write(`${text}\n`);
  if (failed > 0) {
    out("");
    out(
      `**Warning: ${failed} responses were not 200 (see stderr): latencies count successes only.**`,
    );
  }
  out("");
  out(`## npm run bench:scale -- --contacts ${n}`);
  out("");
  out(
    `server: ${code.label} (NODE_ENV=production, LOG_LEVEL=warn); node ${process.version}; sequential requests on one keep-alive connection, up to ${samples} per query or ${budgetMs / 1000} s; ${count(n)} contacts = ${largeMb.toFixed(0)} MB of SQLite`,
  );
  out("");
  out(
    table(
      [
        "query (limit=10)",
        `p50 ms @${count(small)}`,
        `p99 ms @${count(small)}`,
        `p50 ms @${count(n)}`,
        `p99 ms @${count(n)}`,
        "p99 growth",
        "samples",
        "target",
      ],
      rows,
    ),
  );
  out("");
  out(
    table(
      ["seeding path", "rows", "seconds", "rows/s", "rows/s, last 10%"],
      [
        [
          `server store (SqliteContactStore.create, ${count(batch)} per transaction)`,
          count(n),
          large.seed.seconds.toFixed(1),
          rate(large.seed.rowsPerSecond),
          rate(large.seed.tailRowsPerSecond),
        ],
        [
          `raw batched INSERT (${count(batch)} per transaction)`,
          count(n),
          raw.seconds.toFixed(1),
          rate(raw.rowsPerSecond),
          rate(raw.tailRowsPerSecond),
        ],
      ],
    ),
  );
  out("");
  out(
    `Seeding: server store ÷ raw = ${ratio(seedRatio)} (target ≥ 0.5×: ${seedRatio >= 0.5 ? "met" : "not met"}). Server peak RSS (VmHWM): ${atSmall.rss.toFixed(0)} MB at ${count(small)}, ${atLarge.rss.toFixed(0)} MB at ${count(n)} (sequential load).`,
  );
} finally {
  if (args.flag("keep")) log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
