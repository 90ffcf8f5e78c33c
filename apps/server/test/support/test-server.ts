import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createContactsClient } from "@contacts/client";
import { createApp } from "../../src/app.js";
import {
  BODY_LIMIT_BYTES,
  DEFAULT_CONNECTION_LIMITS,
  DEFAULT_POSTGRES_SETTINGS,
  type PostgresSettings,
} from "../../src/config.js";
import { type ConnectionLimits, createHttpServer } from "../../src/http/http-server.js";
import type { RateLimitConfig } from "../../src/http/rate-limit.js";
import { createIdGenerator, type IdGenerator } from "../../src/ids.js";
import { createLogger, type Logger } from "../../src/logger.js";
import type { Metrics } from "../../src/observability/metrics.js";
import type { SharedRateLimits } from "../../src/rate-limits/bucket-store.js";
import type { TokenBucketConfig } from "../../src/rate-limits/token-buckets.js";
import { openSqliteStores, type SqliteStores, type Stores } from "../../src/server-store.js";
import { loadSpec } from "../../src/spec.js";
import {
  openPostgresStores,
  type PostgresStores,
} from "../../src/store/postgres/postgres-stores.js";
import { createTestDatabase, TEST_STORE } from "./postgres-databases.js";
import { type Exchange, SpecValidator } from "./spec-validator.js";

const spec = loadSpec();
const specValidator = new SpecValidator(spec.document);

export interface TestServerOptions {
  /**
   * SQLite file (SQLite whatever TEST_STORE says). By default a fresh database of the TEST_STORE
   * store: SQLite in memory, or a PostgreSQL database of its own, dropped on close.
   */
  databasePath?: string;
  /** A PostgreSQL database to use as it is (not dropped on close); for restart tests. */
  postgresUrl?: string;
  ids?: IdGenerator;
  now?: () => number;
  logger?: Logger;
  /** Off unless a test is about rate limits. */
  rateLimit?: RateLimitConfig;
  /** Off unless a test is about failed authentications. */
  authFailureLimit?: TokenBucketConfig;
  /** TRUST_PROXY: proxies whose X-Forwarded-For names the client; none by default. */
  trustProxy?: string[];
  metrics?: Metrics;
  /** The store's bound on rows a list call examines; lowered to reach `query_too_broad`. */
  maxExaminedRows?: number;
  /**
   * LIST_WORKERS: SQLite worker threads for filtered lists (needs a databasePath; inline by
   * default); PostgreSQL connections they take in turns (1 by default).
   */
  listWorkers?: number;
  /** Calls a workspace may have in flight in those turns (16 by default). */
  maxQueuedLists?: number;
  /** PostgreSQL pool and timeouts (PG_*), with postgresUrl; the defaults otherwise. */
  postgresSettings?: Partial<PostgresSettings>;
  /** Origins allowed by CORS; none (CORS off) by default. */
  corsOrigins?: string[];
  /** The server's defaults unless a test is about connections. */
  connections?: Partial<ConnectionLimits>;
  /** USAGE_RETENTION_DAYS; 400 by default. */
  usageRetentionDays?: number;
  /** Rate limit buckets in Redis, shared with other servers (REDIS_URL); per process by default. */
  sharedRateLimits?: SharedRateLimits;
  /** Body limit of POST /v2/contacts/import; 64 MiB by default. */
  importBodyLimitBytes?: number;
}

/** A workspace with its own key and typed client. */
export interface TestWorkspace {
  name: string;
  workspaceId: string;
  apiKey: string;
  client: ReturnType<typeof createContactsClient>;
  /** Raw fetch with this workspace's key, for requests the typed client cannot make. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

export interface TestServer {
  baseUrl: string;
  /** The listening port, for raw sockets. */
  port: number;
  /** How many connections the server holds open right now. */
  openConnections(): Promise<number>;
  stores: Stores;
  /**
   * Runs SQL on the server's database, whichever store it is: `?` placeholders (numbered for
   * PostgreSQL). For tests that look under the API (what a delete left behind).
   */
  sql(text: string, ...params: unknown[]): Promise<Record<string, unknown>[]>;
  /** Every exchange made through this server's clients, for checks against the spec. */
  exchanges: Exchange[];
  /** A fetch that records the exchange; no auth added. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  workspace(name?: string): Promise<TestWorkspace>;
  /** Exchanges that do not conform to openapi.yaml, described. */
  specProblems(): string[];
  close(): Promise<void>;
}

let workspaceCounter = 0;

async function runSql(
  stores: Stores,
  text: string,
  params: unknown[],
): Promise<Record<string, unknown>[]> {
  if (stores.kind === "sqlite") {
    const statement = (stores as SqliteStores).database.prepare(text);
    if (!statement.reader) {
      statement.run(...params);
      return [];
    }
    return statement.all(...params) as Record<string, unknown>[];
  }
  let n = 0;
  const numbered = text.replaceAll("?", () => `$${++n}`);
  return (await (stores as PostgresStores).pool.query(numbered, params)).rows;
}

/**
 * A database that outlives a test server, for restart tests: an SQLite file in `dir`, or (with
 * TEST_STORE=postgres) a PostgreSQL database of its own. `drop` removes the PostgreSQL one.
 */
export async function durableDatabase(
  dir: string,
  name: string,
): Promise<{
  options: Pick<TestServerOptions, "databasePath" | "postgresUrl">;
  drop(): Promise<void>;
}> {
  if (TEST_STORE === "postgres") {
    const database = await createTestDatabase();
    return { options: { postgresUrl: database.url }, drop: database.drop };
  }
  return { options: { databasePath: join(dir, name) }, drop: async () => undefined };
}

/** The stores a test server runs on (see TestServerOptions.databasePath), and their clean-up. */
async function openTestStores(
  options: TestServerOptions,
): Promise<{ stores: Stores; dispose(): Promise<void> }> {
  const maxExaminedRows = options.maxExaminedRows !== undefined && {
    maxExaminedRows: options.maxExaminedRows,
  };
  const turns = {
    ...(options.listWorkers !== undefined && { listSlots: options.listWorkers }),
    ...(options.maxQueuedLists !== undefined && { maxQueuedLists: options.maxQueuedLists }),
  };
  if (options.postgresUrl !== undefined) {
    const stores = await openPostgresStores(options.postgresUrl, {
      ...maxExaminedRows,
      ...turns,
      settings: { ...DEFAULT_POSTGRES_SETTINGS, ...options.postgresSettings },
    });
    return { stores, dispose: async () => undefined };
  }
  if (TEST_STORE === "postgres" && options.databasePath === undefined) {
    const database = await createTestDatabase();
    const stores = await openPostgresStores(database.url, {
      ...maxExaminedRows,
      ...turns,
      // Small pools: many test servers share one PostgreSQL.
      settings: { ...DEFAULT_POSTGRES_SETTINGS, poolSize: 4 },
      migrate: false,
    });
    return { stores, dispose: database.drop };
  }
  const stores = openSqliteStores(options.databasePath ?? ":memory:", {
    ...maxExaminedRows,
    ...(options.listWorkers !== undefined && { listWorkers: options.listWorkers }),
    ...(options.maxQueuedLists !== undefined && { maxQueuedLists: options.maxQueuedLists }),
  });
  return { stores, dispose: async () => undefined };
}

/**
 * Starts the real app on 127.0.0.1:0 over a real SQLite database, with response validation on,
 * and records every exchange its clients make.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const { stores, dispose } = await openTestStores(options);
  const app = createApp({
    contacts: stores.contacts,
    usage: stores.usage,
    apiKeys: stores.apiKeys,
    idempotency: stores.idempotency,
    readiness: stores.readiness,
    ...(options.metrics && { metrics: options.metrics }),
    ...(options.sharedRateLimits && { sharedRateLimits: options.sharedRateLimits }),
    ids: options.ids ?? createIdGenerator(),
    now: options.now ?? Date.now,
    logger: options.logger ?? createLogger("silent"),
    spec,
    config: {
      validateResponses: true,
      bodyLimitBytes: BODY_LIMIT_BYTES,
      rateLimit: options.rateLimit ?? { requestsPerSecond: 0, burst: 0 },
      ...(options.corsOrigins && { corsOrigins: options.corsOrigins }),
      ...(options.authFailureLimit && { authFailureLimit: options.authFailureLimit }),
      ...(options.trustProxy && { trustProxy: options.trustProxy }),
      ...(options.usageRetentionDays !== undefined && {
        usageRetentionDays: options.usageRetentionDays,
      }),
      ...(options.importBodyLimitBytes !== undefined && {
        importBodyLimitBytes: options.importBodyLimitBytes,
      }),
    },
  });
  const server = createHttpServer(app, {
    ...DEFAULT_CONNECTION_LIMITS,
    ...options.connections,
  }).listen(0, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const exchanges: Exchange[] = [];

  const recordingFetch = async (input: Request | string | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const response = await globalThis.fetch(request.clone());
    const text = await response.clone().text();
    let body: unknown;
    if (text !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    exchanges.push({
      method: request.method,
      url: request.url,
      status: response.status,
      headers: response.headers,
      body,
    });
    return response;
  };

  return {
    baseUrl,
    port: (server.address() as AddressInfo).port,
    openConnections: () =>
      new Promise((resolve, reject) =>
        server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
      ),
    stores,
    sql: (text, ...params) => runSql(stores, text, params),
    exchanges,
    fetch: (path, init) => recordingFetch(`${baseUrl}${path}`, init),
    async workspace(name = `workspace-${++workspaceCounter}`) {
      const { key, info } = await stores.apiKeys.createKey(name, Date.now());
      const authorized = (path: string, init: RequestInit = {}) => {
        const headers = new Headers(init.headers);
        if (!headers.has("authorization")) headers.set("authorization", `Bearer ${key}`);
        return recordingFetch(`${baseUrl}${path}`, { ...init, headers });
      };
      return {
        name,
        workspaceId: info.workspaceId,
        apiKey: key,
        client: createContactsClient({ baseUrl, apiKey: key, fetch: recordingFetch }),
        fetch: authorized,
      };
    },
    specProblems: () => exchanges.flatMap((exchange) => specValidator.problemsOf(exchange)),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stores.close();
      await dispose();
    },
  };
}

export { specValidator };
