import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type Config, databasePathFromUrl, loadConfig } from "./config.js";
import { openFileLimit } from "./open-file-limit.js";

/** A host with a known open-file limit, so the tests do not depend on this machine's. */
const host = { openFileLimit: 20_000 };
const load = (env: NodeJS.ProcessEnv) => loadConfig({ INIT_CWD: "/srv", ...env }, host);

describe("loadConfig", () => {
  it("has defaults for everything", () => {
    expect(load({})).toEqual({
      host: "0.0.0.0",
      port: 3000,
      database: { kind: "sqlite", path: "/srv/data/contacts.db" },
      postgres: {
        poolSize: 10,
        statementTimeoutMs: 5000,
        connectTimeoutMs: 5000,
        idleTimeoutMs: 30_000,
      },
      logLevel: "info",
      validateResponses: false,
      bodyLimitBytes: 128 * 1024,
      rateLimit: { requestsPerSecond: 100, burst: 200 },
      authFailureLimit: { requestsPerSecond: 10, burst: 20 },
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 1024,
      shutdownTimeoutMs: 10_000,
      listWorkers: 1,
      corsOrigins: [],
      trustProxy: [],
      usageBodyLimitBytes: 2 * 1024 * 1024,
      usageRetentionDays: 400,
      redisUrl: undefined,
      redisKeyPrefix: "contacts:",
    } satisfies Config);
  });

  it.each<[string, NodeJS.ProcessEnv, Partial<Config>]>([
    ["a port", { PORT: "8080" }, { port: 8080 }],
    ["list workers", { LIST_WORKERS: "2" }, { listWorkers: 2 }],
    ["filtered lists inline", { LIST_WORKERS: "0" }, { listWorkers: 0 }],
    ["port 0 (any free port)", { PORT: "0" }, { port: 0 }],
    ["a log level in capitals", { LOG_LEVEL: "WARN" }, { logLevel: "warn" }],
    ["response validation in tests", { NODE_ENV: "test" }, { validateResponses: true }],
    [
      "response validation forced off",
      { NODE_ENV: "development", VALIDATE_RESPONSES: "false" },
      { validateResponses: false },
    ],
    [
      "the per-key rate limit",
      { RATE_LIMIT_RPS: "5", RATE_LIMIT_BURST: "7" },
      { rateLimit: { requestsPerSecond: 5, burst: 7 } },
    ],
    [
      "the per-key rate limit off",
      { RATE_LIMIT_RPS: "0", RATE_LIMIT_BURST: "0" },
      { rateLimit: { requestsPerSecond: 0, burst: 0 } },
    ],
    [
      "the failed-auth limit",
      { AUTH_FAILURE_RPS: "0.5", AUTH_FAILURE_BURST: "3" },
      { authFailureLimit: { requestsPerSecond: 0.5, burst: 3 } },
    ],
    [
      "the failed-auth limit off",
      { AUTH_FAILURE_RPS: "0" },
      { authFailureLimit: { requestsPerSecond: 0, burst: 20 } },
    ],
    [
      "timeouts",
      { HEADERS_TIMEOUT_MS: "2000", REQUEST_TIMEOUT_MS: "2000", KEEP_ALIVE_TIMEOUT_MS: "100" },
      { headersTimeoutMs: 2000, requestTimeoutMs: 2000, keepAliveTimeoutMs: 100 },
    ],
    ["a connection cap", { MAX_CONNECTIONS: "19936" }, { maxConnections: 19_936 }],
    [
      "the proxies in front",
      { TRUST_PROXY: " 10.0.0.0/8, 192.168.1.10,loopback,, 10.0.0.0/8" },
      { trustProxy: ["10.0.0.0/8", "192.168.1.10", "loopback"] },
    ],
    ["an empty value as unset", { MAX_CONNECTIONS: "", PORT: "" }, { maxConnections: 1024 }],
    [
      "a Redis URL for shared rate limits",
      { REDIS_URL: "redis://cache.internal:6380/2", REDIS_KEY_PREFIX: "staging:" },
      { redisUrl: "redis://cache.internal:6380/2", redisKeyPrefix: "staging:" },
    ],
    [
      "a TLS Redis URL",
      { REDIS_URL: "rediss://u:p@cache:6380" },
      { redisUrl: "rediss://u:p@cache:6380" },
    ],
  ])("reads %s", (_name, env, want) => {
    expect(load(env)).toMatchObject(want);
  });

  it.each<[string, NodeJS.ProcessEnv, RegExp]>([
    ["a port out of range", { PORT: "65536" }, /PORT must be an integer/],
    ["an unknown log level", { LOG_LEVEL: "loud" }, /LOG_LEVEL must be one of/],
    ["a negative rate", { RATE_LIMIT_RPS: "-1" }, /RATE_LIMIT_RPS must be a non-negative/],
    ["a burst of 0 with a rate", { RATE_LIMIT_BURST: "0" }, /RATE_LIMIT_BURST must be at least 1/],
    [
      "a failed-auth burst of 0 with a rate",
      { AUTH_FAILURE_BURST: "0" },
      /AUTH_FAILURE_BURST must be at least 1/,
    ],
    ["a non-number", { AUTH_FAILURE_RPS: "fast" }, /AUTH_FAILURE_RPS must be a non-negative/],
    ["a headers timeout of 0", { HEADERS_TIMEOUT_MS: "0" }, /HEADERS_TIMEOUT_MS must be a whole/],
    ["a fractional timeout", { KEEP_ALIVE_TIMEOUT_MS: "1.5" }, /KEEP_ALIVE_TIMEOUT_MS must be/],
    [
      "a request timeout shorter than the headers timeout",
      { HEADERS_TIMEOUT_MS: "5000", REQUEST_TIMEOUT_MS: "1000" },
      /REQUEST_TIMEOUT_MS \(1000\) must be at least HEADERS_TIMEOUT_MS \(5000\)/,
    ],
    ["a connection cap of 0", { MAX_CONNECTIONS: "0" }, /MAX_CONNECTIONS must be a whole/],
    [
      "a connection cap the open-file limit cannot hold",
      { MAX_CONNECTIONS: "19937" },
      /MAX_CONNECTIONS \(19937\) must leave 64 of the 20000 open files .* at most 19936/,
    ],
    [
      "a Redis URL of another scheme",
      { REDIS_URL: "http://cache:6379" },
      /REDIS_URL must be a redis:/,
    ],
    ["a Redis URL without a host", { REDIS_URL: "redis:///0" }, /REDIS_URL must be a redis:/],
  ])("refuses %s", (_name, env, message) => {
    expect(() => load(env)).toThrow(message);
  });

  it.each<[string, number | undefined, number]>([
    ["1024 under a high open-file limit", 1_048_576, 1024],
    ["fewer under a low open-file limit", 1024, 960],
    ["1024 when the limit is unknown", undefined, 1024],
  ])("caps connections by default at %s", (_name, openFiles, want) => {
    expect(loadConfig({}, { openFileLimit: openFiles }).maxConnections).toBe(want);
  });

  it("refuses to start under an open-file limit too low to serve anyone", () => {
    expect(() => loadConfig({}, { openFileLimit: 64 })).toThrow(/open-file limit .* is 64/);
  });
});

describe("the README's configuration table", () => {
  it("lists exactly the variables loadConfig reads", () => {
    const read = new Set<string>();
    const recording = new Proxy({} as NodeJS.ProcessEnv, {
      get: (_target, name) => {
        if (typeof name === "string") read.add(name);
        return undefined;
      },
    });
    loadConfig(recording, host);
    read.delete("INIT_CWD"); // set by npm, not by the operator
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
    const table = readme.slice(readme.indexOf("| variable | default | meaning |"));
    const listed = [...table.slice(0, table.indexOf("\n\n")).matchAll(/^\| `([A-Z_]+)` \|/gm)].map(
      (m) => m[1],
    );
    expect(listed.sort()).toEqual([...read].sort());
  });
});

describe("DATABASE_URL selects the store", () => {
  it.each<[string, string, Config["database"]]>([
    ["a path: SQLite", "./data/x.db", { kind: "sqlite", path: "/srv/data/x.db" }],
    ["sqlite://: SQLite", "sqlite:///var/x.db", { kind: "sqlite", path: "/var/x.db" }],
    ["file:: SQLite", "file:x.db", { kind: "sqlite", path: "/srv/x.db" }],
    ["memory: SQLite", ":memory:", { kind: "sqlite", path: ":memory:" }],
    [
      "postgres://: PostgreSQL (not a folder named postgres:)",
      "postgres://u@h/db",
      { kind: "postgres", url: "postgres://u@h/db" },
    ],
    [
      "postgresql:// in capitals: PostgreSQL",
      "POSTGRESQL://u:pw@h:5433/db?sslmode=require",
      { kind: "postgres", url: "POSTGRESQL://u:pw@h:5433/db?sslmode=require" },
    ],
  ])("%s", (_name, url, want) => {
    expect(load({ DATABASE_URL: url }).database).toEqual(want);
  });

  it.each(["mysql://root@localhost/contacts", "redis://localhost:6379", "https://example.com/db"])(
    "refuses %s at start, naming the scheme and what is supported",
    (url) => {
      const scheme = url.slice(0, url.indexOf(":"));
      expect(() => load({ DATABASE_URL: url })).toThrow(
        new RegExp(`DATABASE_URL: the scheme "${scheme}://" is not supported.*postgres://`),
      );
    },
  );

  it("reads the PostgreSQL pool and timeouts, and refuses nonsense", () => {
    expect(
      load({
        PG_POOL_SIZE: "3",
        PG_STATEMENT_TIMEOUT_MS: "250",
        PG_CONNECT_TIMEOUT_MS: "1000",
        PG_IDLE_TIMEOUT_MS: "2000",
      }).postgres,
    ).toEqual({
      poolSize: 3,
      statementTimeoutMs: 250,
      connectTimeoutMs: 1000,
      idleTimeoutMs: 2000,
    });
    expect(() => load({ PG_POOL_SIZE: "0" })).toThrow(/PG_POOL_SIZE must be a whole number/);
    expect(() => load({ PG_STATEMENT_TIMEOUT_MS: "1.5" })).toThrow(/PG_STATEMENT_TIMEOUT_MS/);
  });
});

describe("databasePathFromUrl", () => {
  it.each([
    ["a relative path, against INIT_CWD", "./data/x.db", "/srv/data/x.db"],
    ["an absolute path", "/var/lib/contacts.db", "/var/lib/contacts.db"],
    ["a file: URL", "file:/var/lib/contacts.db", "/var/lib/contacts.db"],
    ["a sqlite:// URL", "sqlite:///var/lib/contacts.db", "/var/lib/contacts.db"],
    ["memory", ":memory:", ":memory:"],
  ])("reads %s", (_name, url, want) => {
    expect(databasePathFromUrl(url, { INIT_CWD: "/srv" })).toBe(want);
  });
});

describe("openFileLimit", () => {
  const dir = mkdtempSync(join(tmpdir(), "limits-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const limitsFile = (line: string) => {
    const path = join(dir, "limits");
    writeFileSync(
      path,
      `Limit                     Soft Limit           Hard Limit           Units\n${line}\n`,
    );
    return path;
  };

  it.each<[string, string, number | undefined]>([
    [
      "a number",
      "Max open files            20000                1048576              files",
      20_000,
    ],
    [
      "unlimited",
      "Max open files            unlimited            unlimited            files",
      Number.POSITIVE_INFINITY,
    ],
    [
      "no such line",
      "Max processes             63704                63704                processes",
      undefined,
    ],
  ])("reads the soft limit: %s", (_name, line, want) => {
    expect(openFileLimit(limitsFile(line))).toBe(want);
  });

  it("is undefined where /proc cannot be read", () => {
    expect(openFileLimit("/nonexistent/limits")).toBeUndefined();
  });
});

describe("loadConfig: log level and CORS", () => {
  it("logs at info, or at debug in development, unless LOG_LEVEL says otherwise", () => {
    expect(loadConfig({}).logLevel).toBe("info");
    expect(loadConfig({ NODE_ENV: "development" }).logLevel).toBe("debug");
    expect(loadConfig({ NODE_ENV: "development", LOG_LEVEL: "warn" }).logLevel).toBe("warn");
  });

  it("has CORS off unless CORS_ORIGINS lists origins", () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(
      loadConfig({ CORS_ORIGINS: "https://app.example.com,http://localhost:5173" }).corsOrigins,
    ).toEqual(["https://app.example.com", "http://localhost:5173"]);
  });

  it.each(["*", "10.0.0.0/33", "lb.internal", "true", "1"])(
    "refuses TRUST_PROXY=%s, naming what it takes",
    (value) => {
      expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(
        new RegExp(`TRUST_PROXY: "${value.replace("*", "\\*")}" is not an address, a CIDR range`),
      );
    },
  );

  it("refuses a wildcard in CORS_ORIGINS", () => {
    expect(() => loadConfig({ CORS_ORIGINS: "*" })).toThrow(/CORS_ORIGINS.*wildcard/);
  });
});
