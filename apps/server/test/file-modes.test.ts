/**
 * Files private by default: the folders the server and the admin CLI create are 0700; the
 * database, its WAL and shared memory, and backups are 0600. Folders and files that already
 * exist keep their modes.
 */
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openSqliteStores } from "../src/server-store.js";
import { processRunner } from "./support/server-process.js";

const dataDir = mkdtempSync(join(tmpdir(), "contacts-modes-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** The permission bits of a path, as octal text ("600"). */
const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe("the database", () => {
  it("is created private, with its folders, WAL and shared memory", async () => {
    const folder = join(dataDir, "server", "data");
    const path = join(folder, "contacts.db");
    const stores = openSqliteStores(path);
    try {
      await stores.apiKeys.createKey("modes", Date.now()); // a write: the WAL has content
      expect({
        parent: modeOf(join(dataDir, "server")),
        folder: modeOf(folder),
        database: modeOf(path),
        wal: modeOf(`${path}-wal`),
        shm: modeOf(`${path}-shm`),
      }).toEqual({ parent: "700", folder: "700", database: "600", wal: "600", shm: "600" });
    } finally {
      stores.close();
    }
  });

  it("leaves the modes of a folder and a file that already exist alone", () => {
    const folder = join(dataDir, "existing");
    mkdirSync(folder);
    chmodSync(folder, 0o750);
    const path = join(folder, "contacts.db");
    closeSync(openSync(path, "w", 0o640));
    chmodSync(path, 0o640);
    openSqliteStores(path).close();
    expect([modeOf(folder), modeOf(path)]).toEqual(["750", "640"]);
  });
});

describe("the admin CLI", () => {
  it("creates the database and a backup's folder and file private", async () => {
    const path = join(dataDir, "cli", "contacts.db");
    const { admin } = processRunner({ DATABASE_URL: path });
    expect((await admin("keys", "create", "--workspace", "modes", "--create-database")).code).toBe(
      0,
    );
    expect([modeOf(join(dataDir, "cli")), modeOf(path)]).toEqual(["700", "600"]);

    const backup = join(dataDir, "backups", "nightly", "copy.db");
    const result = await admin("backup", backup);
    expect(result.code, result.stderr).toBe(0);
    expect({
      backups: modeOf(join(dataDir, "backups")),
      nightly: modeOf(join(dataDir, "backups", "nightly")),
      copy: modeOf(backup),
    }).toEqual({ backups: "700", nightly: "700", copy: "600" });
    expect(statSync(backup).size).toBeGreaterThan(0);

    // An existing file is never overwritten, and keeps what it had.
    const again = await admin("backup", backup);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("refusing to overwrite");
    expect(statSync(backup).size).toBeGreaterThan(0);
  }, 60_000);
});
