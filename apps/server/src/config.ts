import { isAbsolute, resolve } from "node:path";
import { parseTrustProxy } from "./http/client-address.js";
import { parseCorsOrigins } from "./http/cors.js";
import type { ConnectionLimits } from "./http/http-server.js";
import type { RateLimitConfig } from "./http/rate-limit.js";
import { openFileLimit } from "./open-file-limit.js";
import type { TokenBucketConfig } from "./rate-limits/token-buckets.js";

/** Which store DATABASE_URL selects: a path is the embedded SQLite default, postgres:// a server. */
export type DatabaseTarget = { kind: "sqlite"; path: string } | { kind: "postgres"; url: string };

/** PostgreSQL connection settings (PG_* variables). */
export interface PostgresSettings {
  /** Connections each server process keeps at most. */
  poolSize: number;
  /** A statement running longer is cancelled: the backstop of every query's cost. */
  statementTimeoutMs: number;
  /** Time to open a connection before giving up. */
  connectTimeoutMs: number;
  /** An idle pooled connection is closed after this. */
  idleTimeoutMs: number;
}

export const DEFAULT_POSTGRES_SETTINGS: PostgresSettings = {
  poolSize: 10,
  statementTimeoutMs: 5_000,
  connectTimeoutMs: 5_000,
  idleTimeoutMs: 30_000,
};

/** Everything the operator can set, read once from the environment at start. */
export interface Config extends ConnectionLimits {
  host: string;
  port: number;
  /** The SQLite file (or ":memory:") or the PostgreSQL database that DATABASE_URL names. */
  database: DatabaseTarget;
  /** Pool and timeouts of PostgreSQL connections (unused on SQLite). */
  postgres: PostgresSettings;
  logLevel: LogLevel;
  /** Validate every response against the spec: on in tests and development only. */
  validateResponses: boolean;
  /** Largest accepted request body, in bytes. Keep in step with the 413 text in openapi.yaml. */
  bodyLimitBytes: number;
  rateLimit: RateLimitConfig;
  /** Requests with a missing or invalid key, per client address (a token bucket). */
  authFailureLimit: TokenBucketConfig;
  /** How long shutdown waits for in-flight requests before closing their connections. */
  shutdownTimeoutMs: number;
  /**
   * Worker threads that run search and tag-filtered list calls, and top lists over periods other
   * than the default one, off the event loop (0: inline).
   */
  listWorkers: number;
  /** Exact origins whose pages may call the API (CORS); empty: CORS off. */
  corsOrigins: string[];
  /** Proxies in front whose X-Forwarded-For names the client (addresses, CIDR ranges); empty: none. */
  trustProxy: string[];
  /** Body limit of POST /v2/usage. Keep in step with openapi.yaml (UsagePayloadTooLarge). */
  usageBodyLimitBytes: number;
  /** Usage of days older than this is pruned, and refused on the way in. */
  usageRetentionDays: number;
  /** Redis shared by every replica for the rate limits; without it each process has its own. */
  redisUrl: string | undefined;
  /** Prefix of every Redis key the server writes (several deployments may share one Redis). */
  redisKeyPrefix: string;
}

export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_DATABASE_URL = "./data/contacts.db";
export const BODY_LIMIT_BYTES = 128 * 1024;
/** The connection limits when their variables are unset (MAX_CONNECTIONS: unless ulimit -n is low). */
export const DEFAULT_CONNECTION_LIMITS = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1024,
} as const satisfies ConnectionLimits;
/**
 * Descriptors kept free below the open-file limit for everything that is not a client connection:
 * the database and its WAL and shared memory, the listening socket, stdio, libuv's own.
 */
export const RESERVED_FILE_DESCRIPTORS = 64;

/** What loadConfig reads besides the environment; tests pass their own. */
export interface ConfigHost {
  /** The process's open-file limit; undefined when unknown. */
  openFileLimit?: number | undefined;
}
/** 1000 events with every field at its longest in UTF-8 take about 1.8 MB. */
export const USAGE_BODY_LIMIT_BYTES = 2 * 1024 * 1024;
/** Body limit of POST /v2/contacts/import (JSON Lines, read as a stream, never held whole). */
export const IMPORT_BODY_LIMIT_BYTES = 64 * 1024 * 1024;

/** Reads the config from environment variables; throws a readable error on a bad value. */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  host: ConfigHost = { openFileLimit: openFileLimit() },
): Config {
  const rateLimit = parseBucket(env, "RATE_LIMIT", { requestsPerSecond: 100, burst: 200 });
  const authFailureLimit = parseBucket(env, "AUTH_FAILURE", { requestsPerSecond: 10, burst: 20 });
  const headersTimeoutMs = parseDuration(
    env,
    "HEADERS_TIMEOUT_MS",
    DEFAULT_CONNECTION_LIMITS.headersTimeoutMs,
  );
  const requestTimeoutMs = parseDuration(
    env,
    "REQUEST_TIMEOUT_MS",
    DEFAULT_CONNECTION_LIMITS.requestTimeoutMs,
  );
  if (requestTimeoutMs < headersTimeoutMs) {
    throw new Error(
      `REQUEST_TIMEOUT_MS (${requestTimeoutMs}) must be at least HEADERS_TIMEOUT_MS (${headersTimeoutMs}): the request includes its headers`,
    );
  }
  // A response that fails validation becomes a 500 after its write committed: a debugging aid,
  // not something to run in front of users.
  const checking = env.NODE_ENV === "development" || env.NODE_ENV === "test";
  return {
    host: env.HOST || "0.0.0.0",
    port: parsePort(env.PORT ?? "3000"),
    database: databaseTargetFromUrl(env.DATABASE_URL || DEFAULT_DATABASE_URL, env),
    postgres: loadPostgresSettings(env),
    // Development shows debug lines too (which fields a 400 refused, for one).
    logLevel: parseLogLevel(env.LOG_LEVEL ?? (env.NODE_ENV === "development" ? "debug" : "info")),
    validateResponses: env.VALIDATE_RESPONSES ? env.VALIDATE_RESPONSES === "true" : checking,
    bodyLimitBytes: BODY_LIMIT_BYTES,
    rateLimit,
    authFailureLimit,
    headersTimeoutMs,
    requestTimeoutMs,
    keepAliveTimeoutMs: parseDuration(
      env,
      "KEEP_ALIVE_TIMEOUT_MS",
      DEFAULT_CONNECTION_LIMITS.keepAliveTimeoutMs,
    ),
    maxConnections: parseMaxConnections(env, host.openFileLimit),
    shutdownTimeoutMs: parseNumber(env, "SHUTDOWN_TIMEOUT_MS", 10_000),
    listWorkers: Math.floor(parseNumber(env, "LIST_WORKERS", 1)),
    corsOrigins: parseCorsOrigins(env.CORS_ORIGINS),
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    usageBodyLimitBytes: USAGE_BODY_LIMIT_BYTES,
    usageRetentionDays: parseRetentionDays(env),
    redisUrl: parseRedisUrl(env.REDIS_URL),
    redisKeyPrefix: env.REDIS_KEY_PREFIX || "contacts:",
  };
}

/** REDIS_URL: `redis://` or `rediss://` (TLS); anything else stops the server at start. */
function parseRedisUrl(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === "") return undefined;
  if (!/^rediss?:\/\/[^/]/.test(raw)) {
    throw new Error(
      "REDIS_URL must be a redis:// or rediss:// URL (redis://[user:password@]host[:port][/db])",
    );
  }
  return raw;
}

/** The PG_* variables: PostgreSQL's pool and timeouts (read on SQLite too, so typos fail early). */
export function loadPostgresSettings(env: NodeJS.ProcessEnv): PostgresSettings {
  return {
    poolSize: parsePositiveInteger(env, "PG_POOL_SIZE", DEFAULT_POSTGRES_SETTINGS.poolSize),
    statementTimeoutMs: parseDuration(
      env,
      "PG_STATEMENT_TIMEOUT_MS",
      DEFAULT_POSTGRES_SETTINGS.statementTimeoutMs,
    ),
    connectTimeoutMs: parseDuration(
      env,
      "PG_CONNECT_TIMEOUT_MS",
      DEFAULT_POSTGRES_SETTINGS.connectTimeoutMs,
    ),
    idleTimeoutMs: parseDuration(
      env,
      "PG_IDLE_TIMEOUT_MS",
      DEFAULT_POSTGRES_SETTINGS.idleTimeoutMs,
    ),
  };
}

/** `<PREFIX>_RPS` and `<PREFIX>_BURST`: a rate of 0 turns the limit off; otherwise a burst of 1+. */
function parseBucket(
  env: NodeJS.ProcessEnv,
  prefix: string,
  defaults: TokenBucketConfig,
): TokenBucketConfig {
  const requestsPerSecond = parseNumber(env, `${prefix}_RPS`, defaults.requestsPerSecond);
  const burst = parseNumber(env, `${prefix}_BURST`, defaults.burst);
  if (burst < 1 && requestsPerSecond > 0) {
    throw new Error(
      `${prefix}_BURST must be at least 1 (one request), got "${env[`${prefix}_BURST`]}"`,
    );
  }
  return { requestsPerSecond, burst };
}

/** A timeout in milliseconds: a whole number, at least 1 (these timeouts cannot be turned off). */
function parseDuration(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = parseNumber(env, name, fallback);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(
      `${name} must be a whole number of milliseconds, at least 1, got "${env[name]}"`,
    );
  }
  return value;
}

/**
 * MAX_CONNECTIONS, by default 1024 or fewer when the open-file limit is low: each connection is
 * a descriptor, and the process must never run out of them.
 */
function parseMaxConnections(env: NodeJS.ProcessEnv, fileLimit: number | undefined): number {
  const ceiling =
    fileLimit === undefined ? Number.POSITIVE_INFINITY : fileLimit - RESERVED_FILE_DESCRIPTORS;
  if (ceiling < 1) {
    throw new Error(
      `the open-file limit (ulimit -n) is ${fileLimit}; the server needs more than ${RESERVED_FILE_DESCRIPTORS}`,
    );
  }
  const raw = env.MAX_CONNECTIONS;
  if (raw === undefined || raw === "")
    return Math.min(DEFAULT_CONNECTION_LIMITS.maxConnections, ceiling);
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`MAX_CONNECTIONS must be a whole number, at least 1, got "${raw}"`);
  }
  if (value > ceiling) {
    throw new Error(
      `MAX_CONNECTIONS (${value}) must leave ${RESERVED_FILE_DESCRIPTORS} of the ${fileLimit} open files (ulimit -n) free: at most ${ceiling}; raise the limit or lower MAX_CONNECTIONS`,
    );
  }
  return value;
}

/** Schemes DATABASE_URL may carry for PostgreSQL. */
const POSTGRES_SCHEMES = ["postgres", "postgresql"];
/** Schemes that still mean an SQLite file (see databasePathFromUrl). */
const SQLITE_SCHEMES = ["file", "sqlite"];

/**
 * `postgres://…` or `postgresql://…` selects PostgreSQL; a path (or `file:`, `sqlite:`,
 * `:memory:`) the SQLite file. Any other `scheme://` is refused: it would otherwise become a
 * folder named after the scheme, holding an SQLite file nobody asked for.
 */
export function databaseTargetFromUrl(
  url: string,
  env: NodeJS.ProcessEnv = process.env,
): DatabaseTarget {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):(\/\/)?/.exec(url);
  const scheme = match?.[1]?.toLowerCase();
  if (scheme !== undefined && POSTGRES_SCHEMES.includes(scheme)) return { kind: "postgres", url };
  if (scheme !== undefined && match?.[2] !== undefined && !SQLITE_SCHEMES.includes(scheme)) {
    throw new Error(
      `DATABASE_URL: the scheme "${scheme}://" is not supported; use a file path (SQLite) or postgres://user@host/database (PostgreSQL)`,
    );
  }
  return { kind: "sqlite", path: databasePathFromUrl(url, env) };
}

/**
 * Accepts a plain path, `file:<path>`, `sqlite:<path>` or `:memory:`. A relative path is resolved
 * against the directory npm was started from (INIT_CWD), so `./data/contacts.db` means the same
 * file whether the server is started by `npm start` at the root or by hand.
 */
export function databasePathFromUrl(url: string, env: NodeJS.ProcessEnv = process.env): string {
  const path = url.replace(/^(file|sqlite):(\/\/)?/, "");
  if (path === ":memory:" || isAbsolute(path)) return path;
  return resolve(env.INIT_CWD || process.cwd(), path);
}

function parseNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  }
  return value;
}

function parsePositiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = parseNumber(env, name, fallback);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`${name} must be a whole number, at least 1, got "${env[name]}"`);
  }
  return value;
}

function parseRetentionDays(env: NodeJS.ProcessEnv): number {
  const days = parseNumber(env, "USAGE_RETENTION_DAYS", 400);
  // Metrics cover 30 days: a shorter retention would prune what they count.
  if (!Number.isInteger(days) || days < 31) {
    throw new Error(
      `USAGE_RETENTION_DAYS must be a whole number of days, at least 31, got "${env.USAGE_RETENTION_DAYS}"`,
    );
  }
  return days;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be an integer between 0 and 65535, got "${value}"`);
  }
  return port;
}

function parseLogLevel(value: string): LogLevel {
  const level = value.toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got "${value}"`);
  }
  return level as LogLevel;
}
