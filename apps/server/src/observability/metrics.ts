import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

/** Prometheus metrics of one app: requests by operation and status, store time, process. */
export interface Metrics {
  registry: Registry;
  observeRequest(operation: string, status: number, seconds: number): void;
  observeStore(store: string, method: string, seconds: number): void;
}

/** One registry per app, so tests can build many apps in one process. */
export function createMetrics(options: { processMetrics: boolean }): Metrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: "http_requests_total",
    help: "HTTP requests answered, by operationId and status.",
    labelNames: ["operation", "status"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: "http_request_duration_seconds",
    help: "Time from request to response end, by operationId and status.",
    labelNames: ["operation", "status"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const store = new Histogram({
    name: "store_call_duration_seconds",
    help: "Time spent in store calls (the database), by store and method.",
    labelNames: ["store", "method"],
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1],
    registers: [registry],
  });
  return {
    registry,
    observeRequest(operation, status, seconds) {
      const labels = { operation, status: String(status) };
      requests.inc(labels);
      duration.observe(labels, seconds);
    },
    observeStore(storeName, method, seconds) {
      store.observe({ store: storeName, method }, seconds);
    },
  };
}

/**
 * Wraps every method of a store so its time is recorded. Generic, so a new store method is
 * measured without touching this file.
 */
export function withStoreTiming<T extends object>(target: T, name: string, metrics: Metrics): T {
  // One wrapper per method, made on first use: the hot path allocates nothing per call.
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver);
      if (typeof value !== "function") return value;
      let timed = wrapped.get(property);
      if (!timed) {
        // Called synchronously, so a synchronous method (one that joins a transaction) stays so.
        timed = (...args: unknown[]) => {
          const started = performance.now();
          const observe = () =>
            metrics.observeStore(name, String(property), (performance.now() - started) / 1000);
          let result: unknown;
          try {
            result = value.apply(object, args);
          } catch (error) {
            observe();
            throw error;
          }
          if (result instanceof Promise) return result.finally(observe);
          observe();
          return result;
        };
        wrapped.set(property, timed);
      }
      return timed;
    },
  });
}
