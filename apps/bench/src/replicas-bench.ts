// The "1 vs 2 replicas" scenario of `npm run bench -- --store postgres`: two server processes on
// one PostgreSQL database (created here, dropped after), loaded by autocannon from this process
// through one replica with every connection, then through both with half the connections each,
// alternating in rounds. The ratio is two replicas' total throughput ÷ one replica's, in the same
// run. Read it against the machine: the load generator, PostgreSQL and both servers share its
// cores, so a second replica can only add what the first left idle.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { type LoadRequest, type LoadResult, runLoad } from "./load.js";
import { startTarget, type Target } from "./processes.js";
import { REPO_ROOT, type ServerCode, serverCommand, TSX_LOADER } from "./server-modules.js";
import { median, ms, rate, ratio, table } from "./stats.js";

/** The scenario's name, as `--scenarios` selects it. */
export const REPLICAS_SCENARIO = "1 vs 2 replicas";

export interface ReplicaBenchOptions {
  code: ServerCode;
  /** A database of the PostgreSQL server to CREATE/DROP the bench's database from. */
  adminUrl: string;
  rounds: number;
  seconds: number;
  warmup: number;
  /** Connections in total, split evenly between the replicas when there are two. */
  connections: number;
  /** Contacts created before the reads. */
  contacts: number;
  logLevel: string;
  log: (line: string) => void;
}

const UNLIMITED = { RATE_LIMIT_RPS: "1000000", RATE_LIMIT_BURST: "1000000" };

interface Workload {
  name: string;
  dynamic: boolean;
  requests(label: string): () => LoadRequest;
}

/** Runs the scenario and returns its Markdown table (one row per workload). */
export async function benchReplicas(options: ReplicaBenchOptions): Promise<string> {
  const { log } = options;
  const name = `contacts_bench_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: options.adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(options.adminUrl);
  url.pathname = `/${name}`;
  const env = {
    DATABASE_URL: url.toString(),
    NODE_ENV: "production",
    LOG_LEVEL: options.logLevel,
    ...UNLIMITED,
  };
  const targets: Target[] = [];
  try {
    const start = (label: string) =>
      startTarget(label, serverCommand(options.code), env, REPO_ROOT).then((target) => {
        targets.push(target);
        return target;
      });
    // The first migrates the empty database; the second finds it migrated.
    const first = await start("replica-1");
    const second = await start("replica-2");
    const key = await createKey(options.code, env);
    const headers = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" };

    log(`seeding ${options.contacts.toLocaleString("en-US")} contacts through the API …`);
    const ids = await seed(first.url, headers, options.contacts);
    const workloads: Workload[] = [
      {
        name: "create",
        dynamic: true,
        requests: (label) => {
          let n = 0;
          return () => ({
            method: "POST",
            path: "/v2/contacts",
            body: JSON.stringify({ external_id: `replicas-${label}-${++n}`, tags: ["bench"] }),
          });
        },
      },
      {
        name: "retrieve by _id",
        dynamic: false,
        requests: () => () => ({
          method: "GET",
          path: `/v2/contacts/${ids[Math.floor(Math.random() * ids.length)]}`,
        }),
      },
    ];

    const results = new Map(workloads.map((w) => [w.name, { one: [] as Run[], two: [] as Run[] }]));
    for (let round = 0; round <= options.rounds; round++) {
      // Round 0 warms both replicas (JIT, pools) and is not counted.
      const seconds = round === 0 ? options.warmup * 2 : options.seconds;
      for (const workload of workloads) {
        const order = round % 2 === 1 ? (["one", "two"] as const) : (["two", "one"] as const);
        for (const shape of order) {
          const replicas = shape === "one" ? [first] : [first, second];
          const run = await loadSpread(replicas, {
            connections: options.connections,
            seconds,
            headers,
            workload,
            label: `r${round}${shape}`,
          });
          if (round === 0) continue;
          results.get(workload.name)?.[shape].push(run);
          log(
            `round ${round} ${REPLICAS_SCENARIO} ${workload.name.padEnd(16)} ${shape === "one" ? "1 replica " : "2 replicas"} ${rate(run.requestsPerSecond).padStart(7)} req/s  p99 ${ms(run.p99)} ms${run.failures ? `  ${run.failures} failed` : ""}`,
          );
        }
      }
    }

    const rows = workloads.map((workload) => {
      const entry = results.get(workload.name) ?? { one: [], two: [] };
      const one = median(entry.one.map((r) => r.requestsPerSecond));
      const two = median(entry.two.map((r) => r.requestsPerSecond));
      const ratios = entry.two.map(
        (r, i) => r.requestsPerSecond / (entry.one[i]?.requestsPerSecond ?? Number.NaN),
      );
      return [
        workload.name,
        rate(one),
        rate(two),
        ratio(median(ratios)),
        ms(median(entry.one.map((r) => r.p99))),
        ms(median(entry.two.map((r) => r.p99))),
      ];
    });
    return `\n### ${REPLICAS_SCENARIO} (PostgreSQL, ${options.connections} connections, median of ${options.rounds} rounds)\n\n${table(
      [
        "workload",
        "1 replica req/s",
        "2 replicas req/s",
        "2 ÷ 1",
        "1 replica p99 ms",
        "2 replicas p99 ms (worse)",
      ],
      rows,
    )}\n`;
  } finally {
    for (const target of targets) await target.stop();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

interface Run {
  requestsPerSecond: number;
  /** The worse of the replicas' p99s. */
  p99: number;
  failures: number;
}

/** One bounded load through `replicas`, the connections split evenly; throughput summed. */
async function loadSpread(
  replicas: Target[],
  load: {
    connections: number;
    seconds: number;
    headers: Record<string, string>;
    workload: Workload;
    label: string;
  },
): Promise<Run> {
  const each = Math.max(1, Math.round(load.connections / replicas.length));
  const results: LoadResult[] = await Promise.all(
    replicas.map((replica, i) =>
      runLoad({
        url: replica.url,
        connections: each,
        seconds: load.seconds,
        headers: load.headers,
        dynamic: load.workload.dynamic,
        next: load.workload.requests(`${load.label}-${i}`),
      }),
    ),
  );
  return {
    requestsPerSecond: results.reduce((sum, r) => sum + r.requestsPerSecond, 0),
    p99: Math.max(...results.map((r) => r.p99)),
    failures: results.reduce((sum, r) => sum + r.failures, 0),
  };
}

/** A key from the admin CLI of the code under test, as an operator would make one. */
async function createKey(code: ServerCode, env: Record<string, string>): Promise<string> {
  const cli = code.typescript
    ? ["--import", TSX_LOADER, join(code.dir, "admin", "cli.ts")]
    : [join(code.dir, "admin", "cli.js")];
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [...cli, "keys", "create", "--workspace", "bench-replicas"],
    { cwd: REPO_ROOT, env: { ...process.env, ...env } },
  );
  return stdout.trim();
}

/** Creates `count` contacts, 16 at a time; their _ids. */
async function seed(url: string, headers: Record<string, string>, count: number) {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < count) {
        const n = next++;
        const res = await fetch(`${url}/v2/contacts`, {
          method: "POST",
          headers,
          body: JSON.stringify({ external_id: `seed-${n}`, display_name: `Seed ${n}` }),
        });
        if (res.status !== 201) throw new Error(`seeding: ${res.status} ${await res.text()}`);
        ids.push(((await res.json()) as { _id: string })._id);
      }
    }),
  );
  return ids;
}
