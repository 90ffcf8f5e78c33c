// "ingest 1000-event batch" of `npm run bench`: POST /v2/usage with 1000 new events a request,
// against the same event rows written by a raw batched INSERT in this process, round by round.
import { join } from "node:path";
import { runLoad } from "./load.js";
import type { Target } from "./processes.js";
import type { ServerModules } from "./server-modules.js";
import { median, ms, rate, ratio, table } from "./stats.js";
import { rawUsageInsert, usageEventAt, wireEvent } from "./usage-dataset.js";

export interface IngestBenchOptions {
  modules: ServerModules;
  server: Target;
  key: string;
  contactIds: readonly string[];
  rounds: number;
  seconds: number;
  dir: string;
  log: (line: string) => void;
}

/** Runs the rounds; resolves to a Markdown table (per round and median). */
export async function benchIngest(options: IngestBenchOptions): Promise<string> {
  const { modules, server, key, contactIds, rounds, seconds, dir, log } = options;
  const rows: string[][] = [];
  const ratios: number[] = [];
  const serverRates: number[] = [];
  const rawRates: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const label = `ingest-r${round}`;
    let n = 0;
    const now = Date.now();
    const result = await runLoad({
      url: server.url,
      connections: 2,
      seconds,
      dynamic: true,
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      next: () => {
        const events = [];
        for (let i = 0; i < 1000; i++) {
          events.push(wireEvent(usageEventAt(label, n++, contactIds, now, 30)));
        }
        return { method: "POST", path: "/v2/usage", body: JSON.stringify({ events }) };
      },
    });
    const events = result.requests * 1000;
    const serverRate = result.requestsPerSecond * 1000;
    // The same rows, raw, into a fresh database with the same schema.
    const db = modules.database.openDatabase(join(dir, `raw-usage-${round}.db`));
    const rawRate = rawUsageInsert(db, "00000000-0000-4000-8000-000000000000", contactIds, events, {
      label,
      now,
      spanDays: 30,
    });
    db.close();
    ratios.push(serverRate / rawRate);
    serverRates.push(serverRate);
    rawRates.push(rawRate);
    if (result.failures > 0)
      log(`  ingest: ${result.failures} failed ${JSON.stringify(result.statusCounts)}`);
    log(
      `round ${round} ingest 1000-event batch  ${rate(serverRate)} events/s (p50 ${ms(result.p50)} ms, p99 ${ms(result.p99)} ms a batch); raw ${rate(rawRate)} events/s`,
    );
    rows.push([
      String(round),
      rate(serverRate),
      ms(result.p50),
      ms(result.p99),
      rate(rawRate),
      ratio(serverRate / rawRate),
    ]);
  }
  rows.push([
    "median",
    rate(median(serverRates)),
    "",
    "",
    rate(median(rawRates)),
    ratio(median(ratios)),
  ]);
  return table(
    ["round", "server events/s", "p50 ms a batch", "p99 ms a batch", "raw events/s", "ratio"],
    rows,
  );
}
