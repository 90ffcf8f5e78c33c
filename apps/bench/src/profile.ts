// `npm run bench:profile -w @contacts/bench`: CPU profiles of the server (node --cpu-prof,
// production configuration) under one load at a time, summarized over the load phase only, so
// start-up and warm-up do not blur where a request's time goes. With --baseline, the baseline is
// profiled under the same load too: what both spend (SQLite, socket writes) is the floor, the
// difference is what the stack costs. Keeps the .cpuprofile files for DevTools.
// Options: --scenarios create,retrieve (name prefixes), --seconds 10, --connections 10,
// --contacts 10000, --top 25, --out <dir>, --baseline, --from auto|dist|src|<compiled copy>.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "./args.js";
import { type CpuProfile, summarize } from "./cpuprofile-summary.js";
import { contactRefs, createKey, seedThroughStore } from "./dataset.js";
import { runLoad } from "./load.js";
import { startTarget } from "./processes.js";
import { benchScenarios, type Scenario } from "./scenarios.js";
import {
  chooseServerCode,
  loadServerModules,
  REPO_ROOT,
  serverCommand,
  TSX_LOADER,
} from "./server-modules.js";
import { ms, rate } from "./stats.js";

const args = parseArgs(process.argv.slice(2), [
  "scenarios",
  "seconds",
  "connections",
  "contacts",
  "top",
  "out",
  "from",
  "baseline",
]);
const seconds = args.number("seconds", 10);
const connections = Math.max(1, Math.round(args.number("connections", 10)));
const contacts = Math.round(args.number("contacts", 10_000));
const top = Math.round(args.number("top", 25));
const wanted = args.list("scenarios", ["create", "retrieve by _id"]);
const { code, warning } = chooseServerCode(args.string("from", "auto"));
const log = (line: string) => process.stderr.write(`${line}\n`);
if (warning) log(`warning: ${warning}`);

const dir = mkdtempSync(join(tmpdir(), "contacts-profile-"));
const outDir = args.string("out", join(dir, "profiles"));
mkdirSync(outDir, { recursive: true });
const modules = await loadServerModules(code.dir);

const template = join(dir, "template.db");
const stores = modules.stores.openSqliteStores(template);
const read = await createKey(stores, "bench");
const write = await createKey(stores, "bench-writes");
await seedThroughStore(modules, stores, read.workspaceId, contacts, 10_000);
const refs = contactRefs(stores.database, read.workspaceId);
stores.close();

const out = (text: string) => process.stdout.write(`${text}\n`);
/** The per-key rate limit still runs (buckets, headers) but never refuses the load. */
const UNLIMITED = { RATE_LIMIT_RPS: "1000000", RATE_LIMIT_BURST: "1000000" };

/** Profiles one system under one scenario; prints its summary, returns its busy µs per request. */
async function profileOne(system: "server" | "baseline", scenario: Scenario): Promise<number> {
  const slug = `${system}-${scenario.name.replace(/[^a-z0-9]+/gi, "-").replace(/-$/, "")}`;
  const db = join(dir, `${slug}.db`);
  copyFileSync(template, db);
  const entry =
    system === "server"
      ? serverCommand(code)
      : ["--import", TSX_LOADER, join(import.meta.dirname, "baseline", "main.ts")];
  const target = await startTarget(
    system,
    // One folder per run: every thread writes a profile (tsx's loader runs on a thread of its own).
    ["--cpu-prof", "--cpu-prof-dir", join(outDir, slug), ...entry],
    system === "server"
      ? { DATABASE_URL: db, NODE_ENV: "production", LOG_LEVEL: "warn", ...UNLIMITED }
      : { DATABASE_URL: db, BENCH_SERVER_DIR: code.dir, ...UNLIMITED },
    REPO_ROOT,
  );
  const key = scenario.key === "write" ? write.key : read.key;
  const load = {
    url: target.url,
    connections,
    dynamic: scenario.dynamic === true,
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
  };
  await runLoad({ ...load, seconds: 1, next: scenario.requests("warm") });
  // Same clock as V8's profile timestamps (CLOCK_MONOTONIC, here in ns, there in µs).
  const fromUs = Number(process.hrtime.bigint() / 1000n);
  const result = await runLoad({ ...load, seconds, next: scenario.requests("profile") });
  const toUs = Number(process.hrtime.bigint() / 1000n);
  const rss = target.peakRssMb();
  await target.stop();

  // Files are CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; thread 0 is the main thread
  // (tsx's loader, on its own thread, writes one too).
  const files = readdirSync(join(outDir, slug)).filter((name) => name.endsWith(".cpuprofile"));
  const name = files.find((file) => file.split(".")[4] === "0") ?? files[0];
  if (!name) throw new Error(`no profile written in ${join(outDir, slug)}`);
  const main = {
    path: join(outDir, slug, name),
    profile: JSON.parse(readFileSync(join(outDir, slug, name), "utf8")) as CpuProfile,
  };
  const { profile } = main;
  const windowed = profile.startTime <= fromUs && fromUs <= profile.endTime;
  const summary = summarize(profile, {
    ...(windowed && { fromUs, toUs }),
    top,
    root: REPO_ROOT,
    requests: result.requests,
  });
  out("");
  out(`## CPU profile: ${system}, ${scenario.name} (${connections} connections, ${seconds} s)`);
  out("");
  out(
    `${rate(result.requestsPerSecond)} req/s, p50 ${ms(result.p50)} ms, p99 ${ms(result.p99)} ms under the profiler; peak RSS ${rss.toFixed(0)} MB; ${windowed ? "load phase only" : "whole run (the clocks did not line up)"}; ${main.path}`,
  );
  out("");
  out(summary.text);
  return summary.busyUs / result.requests;
}

try {
  const scenarios = benchScenarios(refs).filter((s) => wanted.some((w) => s.name.startsWith(w)));
  const perRequest: string[] = [];
  for (const scenario of scenarios) {
    const server = await profileOne("server", scenario);
    if (!args.flag("baseline")) continue;
    const baseline = await profileOne("baseline", scenario);
    perRequest.push(
      `${scenario.name}: server ${server.toFixed(0)} µs, baseline ${baseline.toFixed(0)} µs of main-thread time per request (${(server / baseline).toFixed(2)}×)`,
    );
  }
  if (perRequest.length > 0) {
    out(
      [
        "",
        "## Main-thread time per request (CPU, plus time blocked in fsync)",
        "",
        ...perRequest,
      ].join("\n"),
    );
  }
} finally {
  // The profiles stay (they are the point); only the databases go.
  for (const name of readdirSync(dir)) {
    if (join(dir, name) !== outDir) rmSync(join(dir, name), { force: true });
  }
  if (readdirSync(dir).length === 0) rmSync(dir, { recursive: true });
  log(`profiles in ${outDir}`);
}
