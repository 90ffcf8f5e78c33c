import { isAbsolute, resolve } from "node:path";
import type { RateLimitConfig } from "./http/rate-limit.js";

/** Everything the operator can set, read once from the environment at start. */
export interface Config {
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
  /** Node's server timeouts: whole request headers, and the whole request. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** How long shutdown waits for in-flight requests before closing their connections. */
  shutdownTimeoutMs: number;
  /** Worker threads that run search and tag-filtered list calls off the event loop (0: inline). */
  listWorkers: number;
  /** Body limit of POST /v2/usage. Keep in step with openapi.yaml (UsagePayloadTooLarge). */
  usageBodyLimitBytes: number;
  /** Usage of days older than this is pruned, and refused on the way in. */
  usageRetentionDays: number;
}

export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_DATABASE_URL = "./data/contacts.db";
export const BODY_LIMIT_BYTES = 128 * 1024;
/** 1000 events with every field at its longest in UTF-8 take about 1.8 MB. */
export const USAGE_BODY_LIMIT_BYTES = 2 * 1024 * 1024;

/** Reads the config from environment variables; throws a readable error on a bad value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const burst = parseNumber(env, "RATE_LIMIT_BURST", 200);
  if (burst < 1 && parseNumber(env, "RATE_LIMIT_RPS", 100) > 0) {
    throw new Error(
      `RATE_LIMIT_BURST must be at least 1 (one request), got "${env.RATE_LIMIT_BURST}"`,
    );
  }
  // A response that fails validation becomes a 500 after its write committed: a debugging aid,
  // not something to run in front of users.
  const checking = env.NODE_ENV === "development" || env.NODE_ENV === "test";
  return {
    host: env.HOST || "0.0.0.0",
    port: parsePort(env.PORT ?? "3000"),
    databasePath: databasePathFromUrl(env.DATABASE_URL || DEFAULT_DATABASE_URL, env),
    logLevel: parseLogLevel(env.LOG_LEVEL ?? "info"),
    validateResponses: env.VALIDATE_RESPONSES ? env.VALIDATE_RESPONSES === "true" : checking,
    bodyLimitBytes: BODY_LIMIT_BYTES,
    rateLimit: {
      requestsPerSecond: parseNumber(env, "RATE_LIMIT_RPS", 100),
      burst: parseNumber(env, "RATE_LIMIT_BURST", 200),
    },
    headersTimeoutMs: parseNumber(env, "HEADERS_TIMEOUT_MS", 10_000),
    requestTimeoutMs: parseNumber(env, "REQUEST_TIMEOUT_MS", 30_000),
    shutdownTimeoutMs: parseNumber(env, "SHUTDOWN_TIMEOUT_MS", 10_000),
    listWorkers: Math.floor(parseNumber(env, "LIST_WORKERS", 1)),
    usageBodyLimitBytes: USAGE_BODY_LIMIT_BYTES,
    usageRetentionDays: parseRetentionDays(env),
  };
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
