// A closed-loop load from one workspace: `connections` keep-alive connections, each sending the
// next of `paths` as soon as its previous answer arrived, until stopped. bench:scale runs it as
// the noisy neighbour while it samples another workspace's latency, in a process of its own so
// that the load's work does not delay the sampler's measurements.
import { fork } from "node:child_process";
import { Agent, request } from "node:http";
import { fileURLToPath } from "node:url";
import { TSX_LOADER } from "./server-modules.js";

export interface LoadSummary {
  requests: number;
  perSecond: number;
  statuses: Record<number, number>;
}

interface LoadRequest {
  url: string;
  paths: readonly string[];
  headers: Record<string, string>;
  connections: number;
}

/** Starts the load in a child process; stop() ends it and returns what it did. */
export function startLoad(
  url: string,
  paths: readonly string[],
  headers: Record<string, string>,
  connections: number,
): { stop(): Promise<LoadSummary> } {
  const child = fork(fileURLToPath(import.meta.url), [], { execArgv: ["--import", TSX_LOADER] });
  child.send({ url, paths, headers, connections } satisfies LoadRequest);
  const summary = new Promise<LoadSummary>((resolve, reject) => {
    child.once("message", (message) => resolve(message as LoadSummary));
    child.once("exit", (code) => reject(new Error(`neighbour load exited with ${code}`)));
  });
  return {
    stop() {
      child.send("stop");
      return summary;
    },
  };
}

/** The child's side: runs the load until the parent says stop, then reports. */
if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) {
  process.once("message", (request: LoadRequest) => {
    const load = runLoad(request.url, request.paths, request.headers, request.connections);
    process.once("message", async () => {
      process.send?.(await load.stop(), () => process.exit(0));
    });
  });
}

function runLoad(
  url: string,
  paths: readonly string[],
  headers: Record<string, string>,
  connections: number,
): { stop(): Promise<LoadSummary> } {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const statuses: Record<number, number> = {};
  let requests = 0;
  let running = true;
  const started = performance.now();
  const loop = async (offset: number) => {
    for (let i = offset; running; i++) {
      const status = await get(agent, `${url}${paths[i % paths.length]}`, headers);
      statuses[status] = (statuses[status] ?? 0) + 1;
      requests++;
    }
  };
  const loops = Array.from({ length: connections }, (_, i) => loop(i));
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
      const seconds = (performance.now() - started) / 1000;
      return { requests, perSecond: requests / seconds, statuses };
    },
  };
}

function get(agent: Agent, url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { agent, headers }, (res) => {
      res.resume();
      res.once("end", () => resolve(res.statusCode ?? 0));
      res.once("error", () => resolve(0));
    });
    req.once("error", () => resolve(0));
    req.end();
  });
}
