// Sequential latency: one request at a time on one keep-alive connection, so each figure is the
// query's own service time, not time spent queueing behind other requests (what bench:scale
// wants to show: how a query's cost changes with the data set's size).
import { Agent, request } from "node:http";
import { percentile } from "./stats.js";

export interface LatencySamples {
  count: number;
  p50: number;
  p99: number;
  max: number;
  /** Responses with a status not in `accept`. */
  failures: number;
  /** How many responses had each status. */
  statuses: Record<number, number>;
}

/** GETs `path` until `samples` answers or `budgetMs` elapsed (at least 3 answers), after a warm-up. */
export async function sampleLatency(
  url: string,
  path: string,
  headers: Record<string, string>,
  options: { samples: number; budgetMs: number; accept?: readonly number[] },
): Promise<LatencySamples> {
  const accept = options.accept ?? [200];
  const statuses: Record<number, number> = {};
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  let failures = 0;
  try {
    // Warm-up: the route's code gets compiled and the query's pages cached (up to 20 or 1 s).
    const warming = performance.now();
    for (let i = 0; i < 20 && (i < 2 || performance.now() - warming < 1000); i++) {
      await get(agent, url, path, headers);
    }
    const started = performance.now();
    while (
      latencies.length + failures < options.samples &&
      (latencies.length + failures < 3 || performance.now() - started < options.budgetMs)
    ) {
      const t0 = performance.now();
      const status = await get(agent, url, path, headers);
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (accept.includes(status)) latencies.push(performance.now() - t0);
      else failures++;
    }
  } finally {
    agent.destroy();
  }
  const sorted = Float64Array.from(latencies).sort();
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    failures,
    statuses,
  };
}

function get(agent: Agent, url: string, path: string, headers: Record<string, string>) {
  return new Promise<number>((resolve, reject) => {
    const req = request(`${url}${path}`, { agent, headers }, (res) => {
      res.resume();
      res.once("end", () => resolve(res.statusCode ?? 0));
      res.once("error", reject);
    });
    req.once("error", reject);
    req.end();
  });
}
