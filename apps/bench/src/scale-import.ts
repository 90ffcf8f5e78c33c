// The import phase of bench:scale: N contacts (the dataset's own) as a JSON Lines file, imported
// three ways into fresh databases in the same run: a raw batched INSERT of the same rows into the
// same tables (the reference), the admin CLI straight into the database, and the admin CLI through
// a server's POST /v2/contacts/import (--url). Rates as ratios, peak RSS of each process.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { contactAt, createKey, rareIndexes, seedRaw } from "./dataset.js";
import { startTarget, statusMb } from "./processes.js";
import {
  REPO_ROOT,
  type ServerCode,
  type ServerModules,
  serverCommand,
  TSX_LOADER,
} from "./server-modules.js";
import { rate, ratio, table } from "./stats.js";

export interface ImportScaleOptions {
  modules: ServerModules;
  code: ServerCode;
  dir: string;
  lines: number;
  log: (line: string) => void;
}

/** Lines per transaction on every path: the import's default batch. */
const BATCH = 1000;

interface Run {
  seconds: number;
  peakRssMb: number;
}

export async function importScale({ modules, code, dir, lines, log }: ImportScaleOptions) {
  const count = (x: number) => x.toLocaleString("en-US");
  const file = join(dir, "import.jsonl");
  log(`writing ${count(lines)} contacts to ${file} …`);
  await writeImportFile(file, lines);

  log(`raw batched INSERT of the same ${count(lines)} rows (${count(BATCH)} per transaction) …`);
  const rawPath = join(dir, "import-raw.db");
  const rawDb = modules.database.openDatabase(rawPath);
  const raw = await seedRaw(modules, rawDb, lines, BATCH);
  rawDb.close();
  removeDb(rawPath);

  log("admin CLI import into the database …");
  const cliPath = join(dir, "import-cli.db");
  const cliStores = modules.stores.openSqliteStores(cliPath);
  await createKey(cliStores, "bench");
  cliStores.close();
  const cli = await runAdmin(code, ["import", file, "--workspace", "bench", "--json"], cliPath);
  removeDb(cliPath);

  log("admin CLI import through a server (--url) …");
  const httpPath = join(dir, "import-http.db");
  const httpStores = modules.stores.openSqliteStores(httpPath);
  const { key } = await createKey(httpStores, "bench");
  httpStores.close();
  const server = await startTarget(
    "server",
    serverCommand(code),
    {
      DATABASE_URL: httpPath,
      LOG_LEVEL: "warn",
      RATE_LIMIT_RPS: "0",
    },
    REPO_ROOT,
  );
  let http: Run;
  let serverPeak = Number.NaN;
  try {
    http = await runAdmin(
      code,
      ["import", file, "--url", server.url, "--api-key", key, "--json"],
      httpPath,
    );
  } finally {
    serverPeak = server.peakRssMb();
    await server.stop();
  }
  removeDb(httpPath);

  const rowsPerSecond = (run: Run) => lines / run.seconds;
  const cliRate = rowsPerSecond(cli);
  const httpRate = rowsPerSecond(http);
  return [
    `Import of ${count(lines)} contacts (JSON Lines; ${count(BATCH)} lines per transaction, 250 through HTTP), from ${code.label}:`,
    "",
    table(
      ["path", "rows/s", "vs raw INSERT", "vs CLI", "peak RSS MB"],
      [
        ["raw batched INSERT (reference)", rate(raw.rowsPerSecond), ratio(1), "", ""],
        [
          "admin CLI → database",
          rate(cliRate),
          ratio(cliRate / raw.rowsPerSecond),
          ratio(1),
          cli.peakRssMb.toFixed(0),
        ],
        [
          "admin CLI → POST /v2/contacts/import",
          rate(httpRate),
          ratio(httpRate / raw.rowsPerSecond),
          ratio(httpRate / cliRate),
          `${http.peakRssMb.toFixed(0)} (server ${serverPeak.toFixed(0)})`,
        ],
      ],
    ),
    "",
    `targets: CLI ≥ 0.50× raw: ${ratio(cliRate / raw.rowsPerSecond)}; HTTP ≥ 0.25× CLI: ${ratio(httpRate / cliRate)}; peak RSS ≤ 200 MB: CLI ${cli.peakRssMb.toFixed(0)}, HTTP client ${http.peakRssMb.toFixed(0)}, server ${serverPeak.toFixed(0)}`,
  ].join("\n");
}

/** The dataset's contacts as create bodies, one per line, streamed to disk. */
async function writeImportFile(path: string, lines: number): Promise<void> {
  const out = createWriteStream(path);
  const rare = rareIndexes(lines);
  for (let i = 0; i < lines; i++) {
    const c = contactAt(i, rare, "", 0);
    const line = `${JSON.stringify({
      external_id: c.externalId,
      display_name: c.displayName,
      email: c.email,
      avatar_url: c.avatarUrl,
      tags: c.tags,
      metadata: c.metadata,
    })}\n`;
    if (!out.write(line)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}

/** Runs the admin CLI to its end; the time is the one it reports (import only, no start-up). */
async function runAdmin(code: ServerCode, args: string[], databasePath: string): Promise<Run> {
  const cli = code.typescript
    ? ["--import", TSX_LOADER, join(code.dir, "admin", "cli.ts")]
    : [join(code.dir, "admin", "cli.js")];
  const child = spawn(process.execPath, [...cli, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATABASE_URL: databasePath },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = once(child, "exit");
  // VmHWM only grows: its last reading before the exit is the peak.
  let peak = 0;
  let done = false;
  void exited.then(() => {
    done = true;
  });
  while (!done) {
    const reading = statusMb(child.pid ?? 0, "VmHWM");
    if (Number.isFinite(reading)) peak = reading;
    await sleep(100);
  }
  const [exitCode] = await exited;
  if (exitCode !== 0) throw new Error(`admin ${args[0]} exited ${exitCode}:\n${stderr}`);
  const summary = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as {
    seconds: number;
    rejected: number;
  };
  if (summary.rejected !== 0) throw new Error(`the import rejected ${summary.rejected} lines`);
  return { seconds: summary.seconds, peakRssMb: peak };
}

function removeDb(path: string): void {
  for (const suffix of ["", "-wal", "-shm"]) rmSync(`${path}${suffix}`, { force: true });
}
