import { isAbsolute, resolve } from "node:path";
import { parseCorsOrigins } from "./http/cors.js";
import type { ConnectionLimits } from "./http/http-server.js";
import type { RateLimitConfig } from "./http/rate-limit.js";
import type { TokenBucketConfig } from "./http/token-buckets.js";
import { openFileLimit } from "./open-file-limit.js";

/** Everything the operator can set, read once from the environment at start. */
export interface Config extends ConnectionLimits {
  host: string;
  port: number;
  /** Path of the SQLite file, or ":memory:". */
  databasePath: string;
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
  /** Worker threads that run search and tag-filtered list calls off the event loop (0: inline). */
  listWorkers: number;
  /** Exact origins whose pages may call the API (CORS); empty: CORS off. */
  corsOrigins: string[];
  /** Body limit of POST /v2/usage. Keep in step with openapi.yaml (UsagePayloadTooLarge). */
  usageBodyLimitBytes: number;
  /** Usage of days older than this is pruned, and refused on the way in. */
  usageRetentionDays: number;
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
    databasePath: databasePathFromUrl(env.DATABASE_URL || DEFAULT_DATABASE_URL, env),
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
    usageBodyLimitBytes: USAGE_BODY_LIMIT_BYTES,
    usageRetentionDays: parseRetentionDays(env),
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
