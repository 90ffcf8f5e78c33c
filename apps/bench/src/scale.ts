// `npm run bench:scale [-- --contacts 1000000]`: the latency of every list query shape from 1k to
// N contacts in the asking workspace (with N more in a second workspace), through the real server
// over HTTP; the second workspace's list latency while the first sends expensive queries; and how
// fast the server's write path seeds N contacts compared with a raw batched better-sqlite3 insert
// into the same schema. Figures, not a test: the target lines only say where the targets stand.
// Options: --contacts 100000, --small 1000, --samples 1000, --budget 10 (s per query),
// --batch 10000, --from auto|dist|src|<compiled copy>, --keep; usage (scale-usage.ts):
// --usage-events 1000000 (10000000 for the issue's figure; the default run took 15 minutes on a
// busy 2-core machine), --usage-contacts 100000 (0 events: skip), --usage-batch 20000 (events
// per seeding transaction), --usage-seed store|bulk (store: the record path; bulk: raw events and
// totals by GROUP BY, for 10M), --usage-only.
// Import (scale-import.ts): --import-lines 1000000 (0: skip), --import-only.
// --store postgres (--postgres-url postgres://postgres@127.0.0.1:5432/postgres): the list shapes
// and the noisy neighbour on PostgreSQL databases of their own, made on that server and dropped
// after, seeded through the store's importBatch (1,000 a transaction); no raw seeding reference,
// usage or import parts (those run on SQLite).
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
import { type LoadSummary, startLoad } from "./neighbour-load.js";
import {
  databaseUrl,
  onAdmin,
  postgresDatabaseMb,
  postgresIdAt,
  seedThroughPostgresImport,
} from "./postgres-dataset.js";
import { startTarget } from "./processes.js";
import { type LatencySamples, sampleLatency } from "./sampler.js";
import { importScale } from "./scale-import.js";
import { usageScale } from "./scale-usage.js";
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
  "usage-events",
  "usage-contacts",
  "usage-only",
  "import-lines",
  "import-only",
  "usage-batch",
  "usage-seed",
  "store",
  "postgres-url",
]);
const store = args.string("store", "sqlite");
if (store !== "sqlite" && store !== "postgres") throw new Error("--store is sqlite or postgres");
const adminUrl = args.string("postgres-url", "postgres://postgres@127.0.0.1:5432/postgres");
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
const usageEvents = Math.round(args.number("usage-events", 1_000_000));
const usageSeed = args.string("usage-seed", "store");
if (usageSeed !== "store" && usageSeed !== "bulk") throw new Error("--usage-seed is store or bulk");
const runUsage = () =>
  usageScale({
    modules,
    code,
    dir,
    events: usageEvents,
    contacts: Math.round(args.number("usage-contacts", 100_000)),
    samples,
    budgetMs,
    seedBatch: Math.max(1, Math.round(args.number("usage-batch", 20_000))),
    seed: usageSeed,
    log,
  }).then((report) => process.stdout.write(`\n${report}\n`));
const importLines = Math.round(args.number("import-lines", 1_000_000));
const runImport = () =>
  importScale({ modules, code, dir, lines: importLines, log }).then((report) =>
    process.stdout.write(`\n${report}\n`),
  );
if (store === "postgres" && (args.flag("import-only") || args.flag("usage-only"))) {
  throw new Error("the usage and import parts of bench:scale run on SQLite only");
}
if (args.flag("import-only")) {
  try {
    await runImport();
  } finally {
    if (!args.flag("keep")) rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
}
if (args.flag("usage-only")) {
  try {
    await runUsage();
  } finally {
    if (!args.flag("keep")) rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
}

interface Seeded {
  /** The server's DATABASE_URL: a SQLite file or a PostgreSQL URL. */
  url: string;
  /** The database's size on disk. */
  sizeMb: number;
  key: string;
  /** Workspace B's key, when it was seeded. */
  otherKey?: string;
  deepCursor: string;
  seed: SeedResult;
}

/** Seeds `rows` contacts in workspace A (and `otherRows` in B) through the server's store. */
async function seedStoreDb(
  modules: ServerModules,
  name: string,
  rows: number,
  otherRows: number,
): Promise<Seeded> {
  const path = join(dir, `${name}.db`);
  const stores = modules.stores.openSqliteStores(path);
  const { key, workspaceId } = await createKey(stores, "bench");
  const seed = await seedThroughStore(
    modules,
    stores,
    workspaceId,
    rows,
    batch,
    progress("workspace A", rows),
  );
  let otherKey: string | undefined;
  if (otherRows > 0) {
    const other = await createKey(stores, "neighbour");
    otherKey = other.key;
    await seedThroughStore(
      modules,
      stores,
      other.workspaceId,
      otherRows,
      batch,
      progress("workspace B", otherRows),
    );
  }
  const deepCursor = idAt(stores.database, workspaceId, 0.1);
  stores.close();
  return { url: path, sizeMb: fileMb(path), key, ...(otherKey && { otherKey }), deepCursor, seed };
}

/** The PostgreSQL databases this run made (dropped at the end unless --keep). */
const pgDatabases: string[] = [];

/** seedStoreDb on a PostgreSQL database of its own: A and B seeded side by side. */
async function seedPostgresDb(
  modules: ServerModules,
  name: string,
  rows: number,
  otherRows: number,
): Promise<Seeded> {
  const database = `contacts_scale_${process.pid}_${name}`;
  const url = databaseUrl(adminUrl, database);
  await onAdmin(adminUrl, `CREATE DATABASE ${database}`);
  pgDatabases.push(database);
  const stores = await modules.stores.openStores({ kind: "postgres", url });
  try {
    const a = await createKey(stores, "bench");
    const b = otherRows > 0 ? await createKey(stores, "neighbour") : undefined;
    const [seed] = await Promise.all([
      seedThroughPostgresImport(
        modules,
        stores,
        a.workspaceId,
        rows,
        PG_SEED_BATCH,
        progress("workspace A", rows),
      ),
      b &&
        seedThroughPostgresImport(
          modules,
          stores,
          b.workspaceId,
          otherRows,
          PG_SEED_BATCH,
          progress("workspace B", otherRows),
        ),
    ]);
    // Fresh statistics, so the planner sees the seeded tables as they are.
    await onAdmin(url, "VACUUM ANALYZE");
    return {
      url,
      sizeMb: await postgresDatabaseMb(adminUrl, database),
      key: a.key,
      ...(b && { otherKey: b.key }),
      deepCursor: await postgresIdAt(url, a.workspaceId, 0.1),
      seed,
    };
  } finally {
    await stores.close();
  }
}

/** Rows a seeding transaction on PostgreSQL: the bulk import's batch size order. */
const PG_SEED_BATCH = 1000;
const seedDb = store === "postgres" ? seedPostgresDb : seedStoreDb;

function progress(label: string, rows: number): (done: number) => void {
  let last = performance.now();
  return (done) => {
    if (performance.now() - last < 5000 && done < rows) return;
    last = performance.now();
    log(`  ${label}: ${count(done)} / ${count(rows)}`);
  };
}

function fileMb(path: string): number {
  const size = (p: string) => {
    try {
      return statSync(p).size;
    } catch {
      return 0;
    }
  };
  return (size(path) + size(`${path}-wal`)) / 1024 / 1024;
}

/** Every query shape the API accepts, as workspace A asks it at N contacts (and at `small`). */
function shapes(deepCursor: string) {
  const list = "/v2/contacts?limit=10&include_metrics=false";
  const q = (params: Record<string, string>) => `${list}&${new URLSearchParams(params)}`;
  return [
    { name: "list: first page", path: list },
    { name: "list: deep page (cursor 90% deep)", path: q({ starting_after: deepCursor }) },
    { name: `search: rare term (${RARE_MATCHES} matches)`, path: searchPath(RARE_TERM) },
    { name: `search: common term (1 in ${COMMON_EVERY})`, path: searchPath(COMMON_TERM) },
    { name: "search: no match", path: searchPath(NO_MATCH_TERM) },
    {
      name: "search: common term, deep cursor",
      path: q({ search: COMMON_TERM, starting_after: deepCursor }),
    },
    { name: "search: 2 characters, common", path: searchPath(COMMON_TERM.slice(0, 2)) },
    { name: "search: 2 characters, no match", path: searchPath("zq") },
    { name: "tags: one nobody has", path: q({ tags: "nonexistent" }) },
    { name: "tags: one in 3", path: q({ tags: "premium" }) },
    { name: "tags: three (1 in 27)", path: q({ tags: "premium,beta-user,enterprise" }) },
    { name: "search + tag: common + common", path: q({ search: COMMON_TERM, tags: "premium" }) },
    { name: "search + tag: rare + common", path: q({ search: RARE_TERM, tags: "premium" }) },
    {
      name: "search + tag: 2 characters + nobody's",
      path: q({ search: "zq", tags: "nonexistent" }),
    },
    { name: "search + tag: 2 characters + common", path: q({ search: "zq", tags: "premium" }) },
  ];
}

/** The expensive shapes workspace A sends in the noisy-neighbour phase. */
const EXPENSIVE = [
  "search: 2 characters, no match",
  "search + tag: 2 characters + common",
  "tags: three (1 in 27)",
  "search: common term, deep cursor",
];

try {
  const seedBatch = store === "postgres" ? PG_SEED_BATCH : batch;
  log(
    `seeding ${count(n)} contacts into workspace A and ${count(n)} into workspace B through the server's ${store === "postgres" ? "PostgreSQL store's importBatch" : "store"} (${count(seedBatch)} per transaction) …`,
  );
  const large = await seedDb(modules, "large", n, n);

  let raw: SeedResult | undefined;
  if (store === "sqlite") {
    log(
      `seeding ${count(n)} contacts with raw batched INSERTs (${count(batch)} per transaction) …`,
    );
    const rawPath = join(dir, "raw.db");
    const rawDb = modules.database.openDatabase(rawPath);
    raw = await seedRaw(modules, rawDb, n, batch, progress("raw", n));
    rawDb.close();
    for (const suffix of ["", "-wal", "-shm"]) rmSync(`${rawPath}${suffix}`, { force: true });
  }

  log(`seeding ${count(small)} contacts …`);
  const little = await seedDb(modules, "small", small, 0);

  const measured: { rows: number; results: LatencySamples[]; rss: number }[] = [];
  let neighbour:
    | { unloaded: LatencySamples; loaded: LatencySamples; attack: LoadSummary }
    | undefined;
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
        DATABASE_URL: db.url,
        NODE_ENV: "production",
        LOG_LEVEL: "warn",
        RATE_LIMIT_RPS: "1000000",
        RATE_LIMIT_BURST: "1000000",
      },
      REPO_ROOT,
    );
    try {
      const results: LatencySamples[] = [];
      for (const query of shapes(db.deepCursor)) {
        const result = await sampleLatency(
          server.url,
          query.path,
          { Authorization: `Bearer ${db.key}` },
          { samples, budgetMs, accept: [200, 422] },
        );
        if (result.failures > 0) log(`  ${query.name}: ${result.failures} failed responses`);
        log(
          `  ${query.name}: p50 ${ms(result.p50)} ms, p99 ${ms(result.p99)} ms (${result.count} samples, ${statusText(result)})`,
        );
        results.push(result);
      }
      measured.push({ rows, results, rss: server.peakRssMb() });
      if (db.otherKey) {
        log(
          "noisy neighbour: workspace B's first page, alone and while A sends expensive queries …",
        );
        const bList = "/v2/contacts?limit=10&include_metrics=false";
        const auth = (key: string) => ({ Authorization: `Bearer ${key}` });
        const unloaded = await sampleLatency(server.url, bList, auth(db.otherKey), {
          samples,
          budgetMs,
        });
        const paths = shapes(db.deepCursor)
          .filter((shape) => EXPENSIVE.includes(shape.name))
          .map((shape) => shape.path);
        const attack = startLoad(server.url, paths, auth(db.key), 4);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const loaded = await sampleLatency(server.url, bList, auth(db.otherKey), {
          samples,
          budgetMs,
        });
        neighbour = { unloaded, loaded, attack: await attack.stop() };
        log(
          `  B alone p99 ${ms(unloaded.p99)} ms; under A's load p99 ${ms(loaded.p99)} ms; A: ${rate(neighbour.attack.perSecond)} req/s ${JSON.stringify(neighbour.attack.statuses)}`,
        );
      }
    } finally {
      await server.stop();
    }
  }

  const failed = measured.reduce(
    (total, m) => total + m.results.reduce((sum, r) => sum + r.failures, 0),
    0,
  );
  const [atSmall, atLarge] = measured as [(typeof measured)[0], (typeof measured)[0]];
  const worstP99 = Math.max(...atLarge.results.map((r) => r.p99));
  const rows = shapes("").map((query, i) => {
    const a = atSmall.results[i] as LatencySamples;
    const b = atLarge.results[i] as LatencySamples;
    return [
      query.name,
      ms(a.p50),
      ms(a.p99),
      ms(b.p50),
      ms(b.p99),
      ratio(b.p99 / a.p99),
      statusText(b),
    ];
  });

  const out = (text: string) => process.stdout.write(`${text}\n`);
  if (failed > 0) {
    out("");
    out(
      `**Warning: ${failed} responses were neither 200 nor 422 (see stderr): latencies count those two only.**`,
    );
  }
  out("");
  out(
    `## npm run bench:scale -- --contacts ${n}${store === "postgres" ? " --store postgres" : ""}`,
  );
  out("");
  out(
    `server: ${code.label} (NODE_ENV=production, LOG_LEVEL=warn); node ${process.version}; sequential requests on one keep-alive connection, up to ${samples} per query or ${budgetMs / 1000} s; workspace A asks, with ${count(n)} contacts of its own and ${count(n)} in workspace B = ${large.sizeMb.toFixed(0)} MB of ${store === "postgres" ? `PostgreSQL (${adminUrl.replace(/\/[^/]*$/, "/…")}, default PG_POOL_SIZE)` : "SQLite"}`,
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
        `statuses @${count(n)}`,
      ],
      rows,
    ),
  );
  out("");
  out(
    `Worst shape p99 at ${count(n)}: ${ms(worstP99)} ms (target ≤ 20 ms: ${worstP99 <= 20 ? "met" : "not met"}). A 422 is query_too_broad: the store refused to examine more than its bound.`,
  );
  if (neighbour) {
    const growth = neighbour.loaded.p99 / neighbour.unloaded.p99;
    out("");
    out(
      table(
        ["workspace B: list, first page", "p50 ms", "p99 ms", "samples"],
        [
          [
            "alone",
            ms(neighbour.unloaded.p50),
            ms(neighbour.unloaded.p99),
            String(neighbour.unloaded.count),
          ],
          [
            `while A sends expensive queries (4 connections, ${rate(neighbour.attack.perSecond)} req/s, ${JSON.stringify(neighbour.attack.statuses)})`,
            ms(neighbour.loaded.p50),
            ms(neighbour.loaded.p99),
            String(neighbour.loaded.count),
          ],
        ],
      ),
    );
    out("");
    out(
      `Noisy neighbour: B's p99 under A's load ÷ alone = ${ratio(growth)} (target ≤ 2×: ${growth <= 2 ? "met" : "not met"}). A's shapes: ${EXPENSIVE.join("; ")}.`,
    );
  }
  const seedRows = [
    [
      store === "postgres"
        ? `server store (PostgresContactStore.importBatch, ${count(PG_SEED_BATCH)} per transaction, A and B side by side)`
        : `server store (SqliteContactStore.create, ${count(batch)} per transaction)`,
      count(n),
      large.seed.seconds.toFixed(1),
      rate(large.seed.rowsPerSecond),
      rate(large.seed.tailRowsPerSecond),
    ],
  ];
  if (raw) {
    seedRows.push([
      `raw batched INSERT (${count(batch)} per transaction)`,
      count(n),
      raw.seconds.toFixed(1),
      rate(raw.rowsPerSecond),
      rate(raw.tailRowsPerSecond),
    ]);
  }
  out("");
  out(table(["seeding path", "rows", "seconds", "rows/s", "rows/s, last 10%"], seedRows));
  out("");
  const rss = `Server peak RSS (VmHWM): ${atSmall.rss.toFixed(0)} MB at ${count(small)}, ${atLarge.rss.toFixed(0)} MB at ${count(n)} + ${count(n)}.`;
  if (raw) {
    const seedRatio = large.seed.rowsPerSecond / raw.rowsPerSecond;
    out(
      `Seeding: server store ÷ raw = ${ratio(seedRatio)} (target ≥ 0.5×: ${seedRatio >= 0.5 ? "met" : "not met"}). ${rss}`,
    );
  } else out(rss);
  if (store === "sqlite" && usageEvents > 0) await runUsage();
  if (store === "sqlite" && importLines > 0) await runImport();
} finally {
  if (args.flag("keep"))
    log(`kept ${dir}${pgDatabases.length > 0 ? ` and ${pgDatabases.join(", ")}` : ""}`);
  else {
    rmSync(dir, { recursive: true, force: true });
    for (const name of pgDatabases) {
      await onAdmin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  }
}

function statusText(result: LatencySamples): string {
  return Object.entries(result.statuses)
    .map(([status, times]) => `${times}× ${status}`)
    .join(", ");
}
