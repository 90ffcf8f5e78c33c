// The usage part of `npm run bench:scale`: the p99 of a list page with metrics and of the top
// lists with no usage, then with `events` usage events over `contacts` contacts (spread over 60
// days, so about half fall in the metrics window), through the real server over HTTP. The events
// are seeded through the usage store's record path (dedupe, hourly and daily totals, the top
// window), `seedBatch` events a transaction, or with `seed: "bulk"` loaded in bulk (raw events,
// totals by GROUP BY, the store's rollWindow: see seedUsageInBulk) for 10M-event data sets. Then
// workspace B's first page, alone and while workspace A asks for top lists over other periods
// than the window in a loop (noisy neighbour).
import { join } from "node:path";
import { contactRefs, createKey, seedThroughStore } from "./dataset.js";
import { type LoadSummary, startLoad } from "./neighbour-load.js";
import { startTarget } from "./processes.js";
import { type LatencySamples, sampleLatency } from "./sampler.js";
import { REPO_ROOT, type ServerCode, type ServerModules, serverCommand } from "./server-modules.js";
import { ms, rate, ratio, table } from "./stats.js";
import { seedUsageInBulk, seedUsageThroughStore } from "./usage-dataset.js";

export interface UsageScaleOptions {
  modules: ServerModules;
  code: ServerCode;
  dir: string;
  events: number;
  contacts: number;
  samples: number;
  budgetMs: number;
  /** Events per seeding transaction. */
  seedBatch: number;
  /** Through the usage store's record path, or in bulk (see seedUsageInBulk). */
  seed: "store" | "bulk";
  log: (line: string) => void;
}

const SHAPES = [
  { name: "list page of 50 with metrics", path: "/v2/contacts?limit=50&include_metrics=true" },
  { name: "usage/top by cost (30 days)", path: "/v2/usage/top?by=cost&limit=10" },
  { name: "usage/top by errors (30 days)", path: "/v2/usage/top?by=errors&limit=10" },
  // Not the default period: summed from the daily totals at request time.
  { name: "usage/top by cost, 30 days ending yesterday", path: "" },
  { name: "contact usage, 30 days by day", path: "" },
];

/** Seeds, measures at 0 and at `events`; resolves to the Markdown report. */
export async function usageScale(options: UsageScaleOptions): Promise<string> {
  const { modules, code, dir, events, contacts, samples, budgetMs, seedBatch, seed, log } = options;
  const count = (x: number) => x.toLocaleString("en-US");
  const path = join(dir, "usage.db");
  let stores = modules.stores.openSqliteStores(path);
  const { key, workspaceId } = await createKey(stores, "bench-usage");
  const neighbourKey = (await createKey(stores, "bench-usage-neighbour")).key;
  log(`usage: seeding ${count(contacts)} contacts …`);
  await seedThroughStore(modules, stores, workspaceId, contacts, 10_000);
  const ids = contactRefs(stores.database, workspaceId).ids;
  const newest = ids.at(-1) as string;
  stores.close();

  let neighbour:
    | { unloaded: LatencySamples; loaded: LatencySamples; attack: LoadSummary }
    | undefined;
  const measure = async (label: string, withNeighbour = false): Promise<LatencySamples[]> => {
    log(`usage: measuring at ${label} …`);
    const server = await startTarget(
      "server",
      serverCommand(code),
      {
        DATABASE_URL: path,
        NODE_ENV: "production",
        LOG_LEVEL: "warn",
        RATE_LIMIT_RPS: "1000000",
        RATE_LIMIT_BURST: "1000000",
      },
      REPO_ROOT,
    );
    try {
      const results: LatencySamples[] = [];
      for (const shape of SHAPES) {
        const result = await sampleLatency(
          server.url,
          shape.path || otherPath(shape.name),
          { Authorization: `Bearer ${key}` },
          { samples, budgetMs },
        );
        if (result.failures > 0) log(`  ${shape.name}: ${result.failures} failed responses`);
        log(
          `  ${shape.name}: p50 ${ms(result.p50)} ms, p99 ${ms(result.p99)} ms (${result.count} samples)`,
        );
        results.push(result);
      }
      if (withNeighbour) {
        log("usage: workspace B's first page, alone and while A asks for top lists in a loop …");
        const bList = "/v2/contacts?limit=10&include_metrics=false";
        const auth = (k: string) => ({ Authorization: `Bearer ${k}` });
        const unloaded = await sampleLatency(server.url, bList, auth(neighbourKey), {
          samples,
          budgetMs,
        });
        // Both top-list paths: the window with the days it differs by, and a plain sum.
        const paths = [otherPath("top"), topPath(today - 45, today - 5)];
        const attack = startLoad(server.url, paths, auth(key), 4);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const loaded = await sampleLatency(server.url, bList, auth(neighbourKey), {
          samples,
          budgetMs,
        });
        neighbour = { unloaded, loaded, attack: await attack.stop() };
        log(
          `  B alone p50 ${ms(unloaded.p50)} ms, p99 ${ms(unloaded.p99)} ms; while A loads: p50 ${ms(loaded.p50)} ms, p99 ${ms(loaded.p99)} ms; A: ${rate(neighbour.attack.perSecond)} req/s ${JSON.stringify(neighbour.attack.statuses)}`,
        );
      }
      return results;
    } finally {
      await server.stop();
    }
  };

  const today = Math.floor(Date.now() / 86_400_000);
  const day = (n: number) => new Date(n * 86_400_000).toISOString().slice(0, 10);
  const topPath = (from: number, to: number) =>
    `/v2/usage/top?by=cost&limit=10&from=${day(from)}&to=${day(to)}`;
  const otherPath = (name: string) =>
    name.startsWith("contact usage") ? `/v2/contacts/${newest}/usage` : topPath(today - 30, today);
  const before = await measure("0 events");
  stores = modules.stores.openSqliteStores(path);
  // Room for the pages a large seeding transaction dirties (the seeding process only).
  stores.database.pragma("cache_size = -524288");
  let last = performance.now();
  const seedOptions = {
    label: "scale",
    now: Date.now(),
    spanDays: 60,
    batch: seedBatch,
    progress: (done: number) => {
      if (performance.now() - last < 5000 && done < events) return;
      last = performance.now();
      log(`  events: ${count(done)} / ${count(events)}`);
    },
  };
  const how =
    seed === "bulk"
      ? `loaded in bulk (raw INSERT of the events, ${count(seedBatch)} a transaction, then their hourly and daily totals by GROUP BY and the top window by the store's rollWindow)`
      : `seeded through the usage store's record path, ${count(seedBatch)} events a transaction`;
  log(`usage: ${count(events)} events ${how} …`);
  const seedRate =
    seed === "bulk"
      ? await seedUsageInBulk(
          stores,
          modules.usage.topWindowFirstDay,
          workspaceId,
          ids,
          events,
          seedOptions,
        )
      : await seedUsageThroughStore(stores, workspaceId, ids, events, seedOptions);
  stores.close();
  const after = await measure(`${count(events)} events`, true);

  const rows = SHAPES.map((shape, i) => {
    const a = before[i] as LatencySamples;
    const b = after[i] as LatencySamples;
    return [shape.name, ms(a.p50), ms(a.p99), ms(b.p50), ms(b.p99), ratio(b.p99 / a.p99)];
  });
  const list = (after[0] as LatencySamples).p99 / (before[0] as LatencySamples).p99;
  const top = Math.max((after[1] as LatencySamples).p99, (after[2] as LatencySamples).p99);
  return [
    `### Usage at ${count(events)} events over ${count(contacts)} contacts (60 days; ${how}, at ${rate(seedRate)} events/s)`,
    "",
    table(
      [
        "query",
        "p50 ms at 0",
        "p99 ms at 0",
        `p50 ms at ${count(events)}`,
        `p99 ms at ${count(events)}`,
        "p99 ratio",
      ],
      rows,
    ),
    "",
    `Targets: list page p99 within 1.5× of 0 events: ${ratio(list)} (${list <= 1.5 ? "met" : "not met"}); top p99 (default period) ≤ 50 ms: ${ms(top)} ms (${top <= 50 ? "met" : "not met"}).`,
    ...(neighbour
      ? [
          "",
          `Noisy neighbour at ${count(events)} events: workspace B's first page p99 ${ms(neighbour.unloaded.p99)} ms alone, ${ms(neighbour.loaded.p99)} ms while workspace A asks for top lists over the 30 days ending yesterday and the 40 days ending 5 days ago on 4 connections (${rate(neighbour.attack.perSecond)} req/s, statuses ${JSON.stringify(neighbour.attack.statuses)}).`,
        ]
      : []),
  ].join("\n");
}
