/**
 * Durability, with real processes and a real database file: SIGTERM under load fails no
 * in-flight request and loses no write; kill -9 under load loses no acknowledged write and
 * leaves an intact database; an online backup taken under load restores and reads back.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { processRunner } from "./support/server-process.js";

const dataDir = mkdtempSync(join(tmpdir(), "contacts-durability-"));
const runner = processRunner({
  LOG_LEVEL: "info",
  PORT: "0",
  HOST: "127.0.0.1",
  RATE_LIMIT_RPS: "0",
});
afterAll(() => {
  runner.killAll();
  rmSync(dataDir, { recursive: true, force: true });
});

const KEY_PATTERN = /ck_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/;

/** Starts a server on `databasePath`; the first start's key is read from stderr. */
async function start(databasePath: string) {
  const server = await runner.startServer({ DATABASE_URL: databasePath });
  const key = KEY_PATTERN.exec(server.err())?.[0];
  return { ...server, key };
}

interface LoadResult {
  /** _ids of contacts the server acknowledged with 201. */
  acknowledged: string[];
  /** Non-201 answers, and errors other than a connection refused or reset. */
  failures: string[];
  /** external_ids of requests whose connection was refused or reset: never answered. */
  unanswered: string[];
}

/**
 * `workers` loops creating contacts until `stop()` resolves, each on keep-alive connections like a
 * real client. A refused connection (the server stopped listening) ends a worker.
 */
function createLoad(url: string, key: string, workers: number, prefix: string) {
  const result: LoadResult = { acknowledged: [], failures: [], unanswered: [] };
  let stopped = false;
  let n = 0;
  const worker = async () => {
    while (!stopped) {
      const externalId = `${prefix}-${++n}`;
      try {
        const res = await fetch(`${url}/v2/contacts`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify({ external_id: externalId, tags: ["load"] }),
        });
        const body = (await res.json()) as { _id: string };
        if (res.status === 201) result.acknowledged.push(body._id);
        else result.failures.push(`${externalId}: ${res.status} ${JSON.stringify(body)}`);
      } catch (error) {
        const code = (error as { cause?: { code?: string } }).cause?.code;
        if (code === "ECONNREFUSED" || code === "ECONNRESET") {
          result.unanswered.push(externalId);
          // Refused: the server stopped listening, so this worker is done.
          if (code === "ECONNREFUSED") return;
          continue;
        }
        result.failures.push(`${externalId}: ${code ?? String(error)}`);
      }
    }
  };
  const running = Promise.all(Array.from({ length: workers }, worker));
  return {
    result,
    /** Waits for the workers to end on their own (refused) or stops them. */
    finish: async (force = false) => {
      if (force) stopped = true;
      await running;
      return result;
    },
  };
}

/** Resolves once the load has `count` acknowledged writes: the moment to pull the plug. */
async function acknowledgedAtLeast(result: LoadResult, count: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (result.acknowledged.length < count) {
    if (Date.now() > deadline) throw new Error(`only ${result.acknowledged.length} writes in 20 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function countContacts(databasePath: string): number {
  const db = new Database(databasePath, { readonly: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM contacts").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function integrityCheck(databasePath: string): string {
  const db = new Database(databasePath);
  try {
    return db.pragma("integrity_check", { simple: true }) as string;
  } finally {
    db.close();
  }
}

describe("SIGTERM under load", () => {
  it("finishes every in-flight request, exits 0, and keeps every acknowledged write", async () => {
    const databasePath = join(dataDir, "graceful.db");
    const server = await start(databasePath);
    const load = createLoad(server.url, server.key as string, 16, "graceful");
    await acknowledgedAtLeast(load.result, 100);
    server.child.kill("SIGTERM");
    const result = await load.finish();
    expect(await server.exited).toBe(0);
    expect(server.out()).toContain('"msg":"stopped"');
    expect(result.failures).toEqual([]);
    // A connection refused or reset at the door (a connect racing the listener's close) is not
    // an in-flight request: none of those requests was processed.
    const db = new Database(databasePath, { readonly: true });
    const processed = db.prepare("SELECT count(*) AS n FROM contacts WHERE external_id = ?");
    const unansweredButWritten = result.unanswered.filter(
      (externalId) => (processed.get(externalId) as { n: number }).n > 0,
    );
    db.close();
    expect(unansweredButWritten).toEqual([]);
    expect(countContacts(databasePath)).toBe(result.acknowledged.length);
    expect(integrityCheck(databasePath)).toBe("ok");
  }, 60_000);
});

describe("kill -9 under load", () => {
  it("loses no acknowledged write and leaves the database intact", async () => {
    const databasePath = join(dataDir, "crash.db");
    const server = await start(databasePath);
    const load = createLoad(server.url, server.key as string, 16, "crash");
    await acknowledgedAtLeast(load.result, 100);
    server.child.kill("SIGKILL");
    await server.exited;
    const result = await load.finish(true);
    // After a kill, in-flight requests fail (reset): only acknowledged ones are promised.

    expect(integrityCheck(databasePath)).toBe("ok");
    const restarted = await start(databasePath);
    const missing: string[] = [];
    for (const id of result.acknowledged) {
      const res = await fetch(`${restarted.url}/v2/contacts/${id}`, {
        headers: { authorization: `Bearer ${server.key}` },
      });
      if (res.status !== 200) missing.push(`${id}: ${res.status}`);
    }
    expect(missing).toEqual([]);
    restarted.child.kill("SIGTERM");
    expect(await restarted.exited).toBe(0);
  }, 60_000);
});

describe("online backup", () => {
  it("copies the database while the server writes, and the copy restores and reads back", async () => {
    const databasePath = join(dataDir, "live.db");
    const backupPath = join(dataDir, "backups", "live-copy.db");
    const server = await start(databasePath);
    const load = createLoad(server.url, server.key as string, 4, "backup");
    await acknowledgedAtLeast(load.result, 50);
    const backup = await processRunner({ DATABASE_URL: databasePath }).admin("backup", backupPath);
    expect(backup.code).toBe(0);
    expect(backup.stdout.trim()).toBe(backupPath);
    const during = await load.finish(true);
    expect(during.failures).toEqual([]);

    expect(integrityCheck(backupPath)).toBe("ok");
    const copied = countContacts(backupPath);
    expect(copied).toBeGreaterThan(0);
    expect(copied).toBeLessThanOrEqual(during.acknowledged.length);

    // Restore = start a server on the copy; the same key works there.
    const restored = await start(backupPath);
    const page = (await (
      await fetch(`${restored.url}/v2/contacts?limit=50&tags=load`, {
        headers: { authorization: `Bearer ${server.key}` },
      })
    ).json()) as { data: { _id: string }[] };
    expect(page.data.length).toBe(Math.min(50, copied));
    for (const contact of page.data) expect(during.acknowledged).toContain(contact._id);

    const again = await processRunner({ DATABASE_URL: databasePath }).admin("backup", backupPath);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("refusing to overwrite");
    for (const proc of [server, restored]) proc.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    expect(await restored.exited).toBe(0);
  }, 60_000);
});
