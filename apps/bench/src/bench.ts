// `npm run bench [-- --quick]`: the server in its production configuration against a bare
// node:http + better-sqlite3 baseline doing the same work, each in its own process, loaded by
// autocannon from this process on 127.0.0.1, alternating in rounds so that drift (thermal,
// noisy neighbours, the WAL growing) hits both alike. Prints Markdown tables for the README.
// Figures, not a test: nothing here fails on a slow result.
// Options: --quick, --rounds 3, --seconds 3, --warmup 0.5, --connections 10, --contacts 10000,
// --scenarios create,retrieve,list (name prefixes), --from auto|dist|src|<compiled copy>,
// --log-level warn, --keep (keep the databases), --usage-events 100000 (seeded usage for "list
// page with metrics", over 1,000 contacts), --store sqlite|postgres (postgres: both systems on
// PostgreSQL databases of their own, made on --postgres-url's server and dropped after; the
// baseline is then node:http + pg), --pool 10 (PG_POOL_SIZE of both).
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "./args.js";
import { contactRefs, createKey, seedThroughStore } from "./dataset.js";
import { benchIngest } from "./ingest-bench.js";
import { type LoadResult, runLoad } from "./load.js";
import { checkParity } from "./parity.js";
import {
  databaseUrl,
  onAdmin,
  postgresContactRefs,
  seedThroughPostgresStore,
} from "./postgres-dataset.js";
import { startTarget, type Target } from "./processes.js";
import { benchReplicas, REPLICAS_SCENARIO } from "./replicas-bench.js";
import { benchScenarios, type Scenario } from "./scenarios.js";
import {
  chooseServerCode,
  loadServerModules,
  REPO_ROOT,
  serverCommand,
  TSX_LOADER,
} from "./server-modules.js";
import { median, ms, rate, ratio, table } from "./stats.js";
import { seedUsageThroughStore } from "./usage-dataset.js";

const args = parseArgs(process.argv.slice(2), [
  "quick",
  "rounds",
  "seconds",
  "warmup",
  "connections",
  "contacts",
  "scenarios",
  "from",
  "log-level",
  "keep",
  "usage-events",
  "store",
  "postgres-url",
  "pool",
]);
const store = args.string("store", "sqlite");
if (store !== "sqlite" && store !== "postgres") throw new Error("--store is sqlite or postgres");
const adminUrl = args.string("postgres-url", "postgres://postgres@127.0.0.1:5432/postgres");
const pool = String(Math.round(args.number("pool", 10)));
const quick = args.flag("quick");
const rounds = Math.max(1, Math.round(args.number("rounds", 3)));
const seconds = args.number("seconds", quick ? 0.6 : 3);
const warmup = args.number("warmup", quick ? 0.15 : 0.5);
const connections = Math.max(1, Math.round(args.number("connections", 10)));
const contacts = Math.round(args.number("contacts", 10_000));
const logLevel = args.string("log-level", "warn");
const { code, warning } = chooseServerCode(args.string("from", "auto"));

/** The per-key rate limit still runs (buckets, headers) but never refuses the bench's load. */
const UNLIMITED = { RATE_LIMIT_RPS: "1000000", RATE_LIMIT_BURST: "1000000" };
const log = (line: string) => process.stderr.write(`${line}\n`);
if (warning) log(`warning: ${warning}`);

// PostgreSQL's "1 vs 2 replicas" runs its own servers on its own database (replicas-bench.ts).
const requested = args.list("scenarios", []);
if (
  store === "postgres" &&
  (requested.length === 0 || requested.some((w) => REPLICAS_SCENARIO.startsWith(w)))
) {
  const replicaTable = await benchReplicas({
    code,
    adminUrl,
    rounds,
    seconds,
    warmup,
    connections,
    contacts: Math.min(contacts, 2000),
    logLevel,
    log,
  });
  process.stdout.write(replicaTable);
  if (requested.length > 0 && requested.every((w) => REPLICAS_SCENARIO.startsWith(w))) {
    process.exit(0);
  }
}

const dir = mkdtempSync(join(tmpdir(), "contacts-bench-"));
const modules = await loadServerModules(code.dir);

// One seeded database, copied: both systems start from identical data (same ids, same keys).
const usageEvents = Math.round(args.number("usage-events", quick ? 20_000 : 100_000));
const pgNames = {
  server: `contacts_bench_${process.pid}`,
  baseline: `contacts_bench_${process.pid}_b`,
};
let serverDb: string;
let baselineDb: string;
let read: { key: string; workspaceId: string };
let write: { key: string; workspaceId: string };
let usageWs: { key: string; workspaceId: string };
let refs: { ids: string[]; externalIds: string[] };
let usageContacts: string[];
if (store === "sqlite") {
  log(`seeding ${contacts.toLocaleString("en-US")} contacts in ${dir} …`);
  serverDb = join(dir, "server.db");
  const stores = modules.stores.openSqliteStores(serverDb);
  read = await createKey(stores, "bench");
  write = await createKey(stores, "bench-writes");
  await seedThroughStore(modules, stores, read.workspaceId, contacts, 10_000);
  refs = contactRefs(stores.database, read.workspaceId);
  // A workspace of 1,000 contacts with usage over the last 30 days, for the metrics scenarios.
  usageWs = await createKey(stores, "bench-usage");
  await seedThroughStore(modules, stores, usageWs.workspaceId, 1000, 1000);
  usageContacts = contactRefs(stores.database, usageWs.workspaceId).ids;
  log(`seeding ${usageEvents.toLocaleString("en-US")} usage events over 1,000 contacts …`);
  await seedUsageThroughStore(stores, usageWs.workspaceId, usageContacts, usageEvents, {
    label: "seed",
    now: Date.now(),
    spanDays: 30,
  });
  await stores.close();
  baselineDb = join(dir, "baseline.db");
  copyFileSync(serverDb, baselineDb);
} else {
  serverDb = databaseUrl(adminUrl, pgNames.server);
  baselineDb = databaseUrl(adminUrl, pgNames.baseline);
  log(
    `seeding ${contacts.toLocaleString("en-US")} contacts in PostgreSQL database ${pgNames.server} …`,
  );
  await onAdmin(adminUrl, `CREATE DATABASE ${pgNames.server}`);
  const stores = await modules.stores.openStores({ kind: "postgres", url: serverDb });
  read = await createKey(stores, "bench");
  write = await createKey(stores, "bench-writes");
  await seedThroughPostgresStore(modules, stores, read.workspaceId, contacts);
  refs = await postgresContactRefs(serverDb, read.workspaceId);
  usageWs = await createKey(stores, "bench-usage");
  await seedThroughPostgresStore(modules, stores, usageWs.workspaceId, 1000);
  usageContacts = (await postgresContactRefs(serverDb, usageWs.workspaceId)).ids;
  log(`seeding ${usageEvents.toLocaleString("en-US")} usage events over 1,000 contacts …`);
  await seedUsageThroughStore(stores, usageWs.workspaceId, usageContacts, usageEvents, {
    label: "seed",
    now: Date.now(),
    spanDays: 30,
  });
  await stores.close();
  await onAdmin(adminUrl, `CREATE DATABASE ${pgNames.baseline} TEMPLATE ${pgNames.server}`);
  // Fresh statistics in both, so the planner sees the seeded tables as they are.
  for (const url of [serverDb, baselineDb]) await onAdmin(url, "ANALYZE");
}

const targets: Target[] = [];
try {
  const server = await startTarget(
    "server",
    serverCommand(code),
    {
      DATABASE_URL: serverDb,
      NODE_ENV: "production",
      LOG_LEVEL: logLevel,
      PG_POOL_SIZE: pool,
      ...UNLIMITED,
    },
    REPO_ROOT,
  );
  targets.push(server);
  const baseline = await startTarget(
    "baseline",
    ["--import", TSX_LOADER, join(import.meta.dirname, "baseline", "main.ts")],
    { DATABASE_URL: baselineDb, BENCH_SERVER_DIR: code.dir, PG_POOL_SIZE: pool, ...UNLIMITED },
    REPO_ROOT,
  );
  targets.push(baseline);

  const parity = await checkParity(server, baseline, { read: read.key, write: write.key }, refs);
  if (parity.mismatches.length > 0) {
    log(`parity: ${parity.mismatches.length} of ${parity.checks} checks differ:`);
    for (const line of parity.mismatches) log(`  - ${line}`);
  }

  const all = benchScenarios(refs);
  // The ingest comparison inserts into an SQLite file in this process: SQLite only.
  const wanted = args.list("scenarios", [
    ...all.map((s) => s.name),
    ...(store === "sqlite" ? ["ingest 1000-event batch"] : []),
  ]);
  const scenarios = all.filter((s) => wanted.some((w) => s.name.startsWith(w)));
  const results = new Map<
    string,
    { server: LoadResult[]; baseline: LoadResult[]; rss: number[] }
  >();
  for (const s of scenarios) results.set(s.name, { server: [], baseline: [], rss: [] });

  const started = Date.now();
  const loadOn = (target: Target, scenario: Scenario) => ({
    url: target.url,
    connections,
    dynamic: scenario.dynamic === true,
    headers: {
      Authorization: `Bearer ${{ read, write, usage: usageWs }[scenario.key].key}`,
      "Content-Type": "application/json",
    },
  });
  // Round 0, unmeasured: every route of both systems (and autocannon itself) gets JIT-compiled.
  for (const scenario of warmup > 0 ? scenarios : []) {
    for (const target of [server, baseline]) {
      const next = scenario.requests(`w0${target.name[0]}`);
      await runLoad({ ...loadOn(target, scenario), seconds: warmup * 2, next });
    }
  }
  for (let round = 1; round <= rounds; round++) {
    for (const scenario of scenarios) {
      // Alternate who goes first, so neither always runs on the other's leftovers.
      const order = round % 2 === 1 ? [server, baseline] : [baseline, server];
      for (const target of order) {
        const load = loadOn(target, scenario);
        if (warmup > 0) {
          const next = scenario.requests(`w${round}${target.name[0]}`);
          await runLoad({ ...load, seconds: warmup, next });
        }
        let peakRss = 0;
        const result = await runLoad({
          ...load,
          seconds,
          next: scenario.requests(`r${round}`),
          sample: () => {
            peakRss = Math.max(peakRss, target.rssMb());
          },
        });
        peakRss = Math.max(peakRss, target.rssMb());
        const entry = results.get(scenario.name);
        entry?.[target === server ? "server" : "baseline"].push(result);
        if (target === server) entry?.rss.push(peakRss);
        if (result.failures > 0) {
          log(
            `  ${target.name} ${scenario.name}: ${result.failures} failed responses ${JSON.stringify(result.statusCounts)}`,
          );
        }
        log(
          `round ${round} ${scenario.name.padEnd(24)} ${target.name.padEnd(8)} ${rate(result.requestsPerSecond).padStart(7)} req/s  p50 ${ms(result.p50)} ms  p99 ${ms(result.p99)} ms`,
        );
      }
    }
  }
  const elapsed = (Date.now() - started) / 1000;
  const ingest = wanted.some((w) => "ingest 1000-event batch".startsWith(w))
    ? await benchIngest({
        modules,
        server,
        key: usageWs.key,
        contactIds: usageContacts,
        rounds,
        seconds,
        dir,
        log,
      })
    : undefined;

  const sum = (list: LoadResult[], pick: (r: LoadResult) => number) =>
    list.reduce((total, r) => total + pick(r), 0);
  let failed = 0;
  const perRound: string[][] = [];
  const summary: string[][] = [];
  for (const scenario of scenarios) {
    const entry = results.get(scenario.name);
    if (!entry) continue;
    const ratios = entry.server.map(
      (s, i) => s.requestsPerSecond / (entry.baseline[i]?.requestsPerSecond ?? Number.NaN),
    );
    entry.server.forEach((s, i) => {
      const b = entry.baseline[i];
      if (!b) return;
      perRound.push([
        scenario.name,
        String(i + 1),
        rate(s.requestsPerSecond),
        ms(s.p50),
        ms(s.p99),
        rate(b.requestsPerSecond),
        ms(b.p50),
        ms(b.p99),
        ratio(ratios[i] ?? Number.NaN),
      ]);
    });
    const med = (list: LoadResult[], pick: (r: LoadResult) => number) => median(list.map(pick));
    summary.push([
      scenario.name,
      rate(med(entry.server, (r) => r.requestsPerSecond)),
      ms(med(entry.server, (r) => r.p50)),
      ms(med(entry.server, (r) => r.p99)),
      rate(med(entry.baseline, (r) => r.requestsPerSecond)),
      ms(med(entry.baseline, (r) => r.p50)),
      ms(med(entry.baseline, (r) => r.p99)),
      ratio(median(ratios)),
      ratio(med(entry.server, (r) => r.p99) / med(entry.baseline, (r) => r.p99)),
      Math.max(...entry.rss).toFixed(0),
      `${sum(entry.server, (r) => r.failures)}/${sum(entry.baseline, (r) => r.failures)}`,
    ]);
    failed += sum(entry.server, (r) => r.failures) + sum(entry.baseline, (r) => r.failures);
  }

  const out = (text: string) => process.stdout.write(`${text}\n`);
  out("");
  out(
    `## npm run bench${quick || store !== "sqlite" ? " --" : ""}${quick ? " --quick" : ""}${store !== "sqlite" ? ` --store ${store}` : ""}: ${rounds} rounds × ${seconds} s per scenario and system, ${connections} connections, ${contacts.toLocaleString("en-US")} contacts`,
  );
  out("");
  out(
    `store: ${store === "sqlite" ? "SQLite" : `PostgreSQL (${adminUrl.replace(/\/[^/]*$/, "/…")}, PG_POOL_SIZE=${pool} each)`}; server: ${code.label} (NODE_ENV=production, LOG_LEVEL=${logLevel}); baseline: node:http + ${store === "sqlite" ? "better-sqlite3" : "pg"}; node ${process.version}; parity ${parity.checks - parity.mismatches.length}/${parity.checks} checks identical; load phase ${elapsed.toFixed(0)} s`,
  );
  out("");
  out("### Per round");
  out("");
  out(
    table(
      [
        "scenario",
        "round",
        "server req/s",
        "p50 ms",
        "p99 ms",
        "baseline req/s",
        "p50 ms",
        "p99 ms",
        "ratio",
      ],
      perRound,
    ),
  );
  out("");
  out(
    "### Median of the rounds (ratio = server ÷ baseline throughput, median of the per-round ratios)",
  );
  out("");
  out(
    table(
      [
        "scenario",
        "server req/s",
        "p50 ms",
        "p99 ms",
        "baseline req/s",
        "p50 ms",
        "p99 ms",
        "ratio",
        "p99 ÷ baseline p99",
        "server RSS MB",
        "failed srv/base",
      ],
      summary,
    ),
  );
  if (ingest) {
    out("");
    out(
      "### ingest 1000-event batch (POST /v2/usage, 2 connections; raw = prepared INSERTs of the same event rows, 1000 per transaction, in this process)",
    );
    out("");
    out(ingest);
  }
  if (failed > 0) {
    out("");
    out(
      `**Warning: ${failed} responses were neither 2xx nor 304 (see stderr): the figures above count successes only and are not comparable.**`,
    );
  }
  if (parity.mismatches.length > 0) {
    out("");
    out(`**Warning: the baseline's answers differ from the server's (see stderr).**`);
  }
  out("");
  out(
    `Server RSS under load: peak ${Math.max(...[...results.values()].flatMap((e) => e.rss)).toFixed(0)} MB (VmHWM ${server.peakRssMb().toFixed(0)} MB); baseline VmHWM ${baseline.peakRssMb().toFixed(0)} MB.`,
  );
} finally {
  for (const target of targets) await target.stop();
  if (args.flag("keep"))
    log(
      `kept ${dir}${store === "postgres" ? ` and databases ${Object.values(pgNames).join(", ")}` : ""}`,
    );
  else {
    rmSync(dir, { recursive: true, force: true });
    if (store === "postgres") {
      for (const name of Object.values(pgNames)) {
        await onAdmin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }
    }
  }
}
