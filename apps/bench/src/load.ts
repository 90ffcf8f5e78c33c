// autocannon, driven in this (the runner's) process. Its own latency histogram keeps whole
// milliseconds, too coarse for sub-millisecond requests, so latencies are recorded here from its
// per-response event, which carries hrtime-precision durations.
import autocannon from "autocannon";
import { percentile } from "./stats.js";

export interface LoadRequest {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  body?: string;
}

export interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  /** Sent with every request (authorization, content type). */
  headers: Record<string, string>;
  /** The next request to send. */
  next: () => LoadRequest;
  /**
   * Call `next` for every request (each must differ: creates, updates). Otherwise 1,000 requests
   * are drawn up front and replayed in turn: autocannon then serializes each only once, which
   * leaves more of a 2-core machine to the system under test.
   */
  dynamic?: boolean;
  /** Called every `sampleMs` while the load runs (e.g. to read the target's RSS). */
  sample?: () => void;
  sampleMs?: number;
}

export interface LoadResult {
  /** Successful (2xx, 304) responses; throughput and latencies count only these. */
  requests: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** Responses outside 2xx/304, and socket errors/timeouts: a correct run has none. */
  failures: number;
  statusCounts: Record<string, number>;
}

/** Runs one bounded load (fixed connections, fixed duration) and summarizes it. */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let failures = 0;
  return new Promise((resolve, reject) => {
    const timer = options.sample ? setInterval(options.sample, options.sampleMs ?? 250) : undefined;
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.seconds,
        pipelining: 1,
        // autocannon only notices the end of the duration on a sample tick (1 s by default).
        sampleInt: 100,
        timeout: 30,
        headers: options.headers,
        requests: options.dynamic
          ? [
              {
                setupRequest: (request) => {
                  const next = options.next();
                  return {
                    ...request,
                    method: next.method,
                    path: next.path,
                    headers: { ...request.headers },
                    ...(next.body !== undefined && { body: next.body }),
                  };
                },
              },
            ]
          : Array.from({ length: 1000 }, () => options.next()),
      },
      (error, result) => {
        if (timer) clearInterval(timer);
        if (error) return reject(error);
        const sorted = Float64Array.from(latencies).sort();
        const seconds = (result.finish.getTime() - result.start.getTime()) / 1000;
        const statusCounts = Object.fromEntries(
          Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]),
        );
        resolve({
          requests: latencies.length,
          requestsPerSecond: latencies.length / seconds,
          p50: percentile(sorted, 50),
          p99: percentile(sorted, 99),
          failures: failures + result.errors + result.timeouts,
          statusCounts,
        });
      },
    );
    instance.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => {
      // Only answers that did the work count: a flood of fast 429s or 500s is not throughput.
      if ((status >= 200 && status < 300) || status === 304) latencies.push(ms);
      else failures++;
    });
  });
}
