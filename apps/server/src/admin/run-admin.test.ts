import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { VERSION } from "../version.js";
import { runAdmin } from "./run-admin.js";

const root = mkdtempSync(join(tmpdir(), "contacts-admin-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let folders = 0;
/** A fresh, empty folder: INIT_CWD for the run, so relative paths land in it. */
function folder(): string {
  const dir = join(root, `case-${++folders}`);
  mkdirSync(dir);
  return dir;
}

/** Runs the CLI in-process, as `contacts-admin <argv>` started from `cwd`. */
async function admin(argv: string[], cwd: string, databaseUrl?: string) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const env: NodeJS.ProcessEnv = { INIT_CWD: cwd };
  if (databaseUrl !== undefined) env.DATABASE_URL = databaseUrl;
  const code = await runAdmin(argv, { stdout, stderr, env });
  return { code, stdout: out, stderr: err };
}

const KEY = /^ck_[0-9a-f]{16}_[A-Za-z0-9_-]{43}\n$/;

describe("admin CLI refusals: non-zero exit, one line on stderr, nothing created", () => {
  it.each<[string, { argv: string[]; databaseUrl?: string; code: number; says: string }]>([
    ["an unknown command", { argv: ["frobnicate"], code: 2, says: 'unknown command "frobnicate"' }],
    [
      "a short option we lack",
      {
        argv: ["keys", "create", "-w", "acme"],
        code: 2,
        says: "unknown option -w (did you mean --workspace?) (see contacts-admin --help)",
      },
    ],
    [
      "an extra argument",
      {
        argv: ["keys", "list", "all"],
        code: 2,
        says: 'keys list takes no arguments; unexpected "all"',
      },
    ],
    [
      "keys list on a missing database",
      { argv: ["keys", "list"], databaseUrl: "nested/typo.db", code: 1, says: "no database at" },
    ],
    [
      "keys list --json on a missing database",
      {
        argv: ["keys", "list", "--json"],
        databaseUrl: "typo.db",
        code: 1,
        says: "check DATABASE_URL",
      },
    ],
    [
      "keys revoke on a missing database",
      {
        argv: ["keys", "revoke", "0000000000000000"],
        databaseUrl: "typo.db",
        code: 1,
        says: "no database at",
      },
    ],
    [
      "backup of a missing database",
      { argv: ["backup", "copy.db"], databaseUrl: "file:typo.db", code: 1, says: "no database at" },
    ],
    [
      "keys create on a missing database that is not the default",
      {
        argv: ["keys", "create", "--workspace", "acme"],
        databaseUrl: "./elsewhere/contacts.db",
        code: 1,
        says: "add --create-database",
      },
    ],
    [
      "a database only in memory",
      { argv: ["keys", "list"], databaseUrl: ":memory:", code: 1, says: ":memory:" },
    ],
  ])("refuses %s", async (_name, { argv, databaseUrl, code, says }) => {
    const cwd = folder();
    const result = await admin(argv, cwd, databaseUrl);
    expect(result.code).toBe(code);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^contacts-admin: [^\n]+\n$/);
    expect(result.stderr).toContain(says);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it("refuses a file that is not a Contacts database, and leaves it as it was", async () => {
    const cwd = folder();
    writeFileSync(join(cwd, "notes.txt"), "not a database\n");
    for (const argv of [
      ["keys", "list"],
      ["keys", "create", "--workspace", "acme", "--create-database"],
    ]) {
      const result = await admin(argv, cwd, "notes.txt");
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `contacts-admin: ${join(cwd, "notes.txt")} is not an SQLite database; check DATABASE_URL\n`,
      );
    }
    expect(readdirSync(cwd)).toEqual(["notes.txt"]);
  });

  it("refuses to overwrite a backup before opening the database", async () => {
    const cwd = folder();
    writeFileSync(join(cwd, "copy.db"), "");
    const result = await admin(["backup", "copy.db"], cwd, "typo.db");
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `contacts-admin: ${join(cwd, "copy.db")} exists; refusing to overwrite it\n`,
    );
    expect(readdirSync(cwd)).toEqual(["copy.db"]);
  });
});

describe("admin CLI commands", () => {
  it("creates a database only with --create-database away from the default path", async () => {
    const cwd = folder();
    const created = await admin(
      ["keys", "create", "--workspace", "acme", "--create-database"],
      cwd,
      "db/acme.db",
    );
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(KEY);
    expect(created.stderr.split("\n")[0]).toBe(
      `contacts-admin: database ${join(cwd, "db/acme.db")} (DATABASE_URL; creating it)`,
    );
    expect(existsSync(join(cwd, "db/acme.db"))).toBe(true);
  });

  it("creates the database at the server's default path without being asked", async () => {
    const cwd = folder();
    const created = await admin(["keys", "create", "--workspace", "acme"], cwd);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(KEY);
    expect(created.stderr).toContain(
      `database ${join(cwd, "data/contacts.db")} (default; creating it)`,
    );
    // Spelled out, the default path is still where the server would create it.
    const spelled = await admin(
      ["keys", "create", "--workspace", "b"],
      folder(),
      "./data/contacts.db",
    );
    expect(spelled.code).toBe(0);
  });

  it("names the database on stderr for every command, and lists keys as JSON", async () => {
    const cwd = folder();
    const databaseUrl = "sqlite:keys.db";
    const said = `contacts-admin: database ${join(cwd, "keys.db")} (DATABASE_URL)\n`;
    await admin(["keys", "create", "--workspace", "acme", "--create-database"], cwd, databaseUrl);
    const key = (
      await admin(["keys", "create", "--workspace", "beta"], cwd, databaseUrl)
    ).stdout.trim();
    const keyId = key.split("_")[1] as string;

    const json = await admin(["keys", "list", "--json"], cwd, databaseUrl);
    expect(json.code).toBe(0);
    expect(json.stderr).toBe(said);
    const keys = JSON.parse(json.stdout) as Record<string, unknown>[];
    expect(keys).toHaveLength(2);
    expect(keys.find((k) => k.key_id === keyId)).toEqual({
      key_id: keyId,
      workspace: "beta",
      workspace_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      created: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      revoked: null,
    });
    expect(json.stdout).not.toContain(key);

    const table = await admin(["keys", "list"], cwd, databaseUrl);
    expect(table.stdout).toContain(keyId);
    expect(table.stderr).toBe(said);

    const revoked = await admin(["keys", "revoke", keyId], cwd, databaseUrl);
    expect(revoked.code).toBe(0);
    expect(revoked.stderr).toBe(`${said}contacts-admin: revoked key ${keyId}\n`);
    const after = JSON.parse(
      (await admin(["keys", "list", "--json"], cwd, databaseUrl)).stdout,
    ) as {
      key_id: string;
      revoked: string | null;
    }[];
    expect(after.find((k) => k.key_id === keyId)?.revoked).toMatch(/^\d{4}-/);

    const backup = await admin(["backup", "backups/keys-copy.db"], cwd, databaseUrl);
    expect(backup.code).toBe(0);
    expect(backup.stdout).toBe(`${join(cwd, "backups/keys-copy.db")}\n`);
    expect(backup.stderr.startsWith(said)).toBe(true);
  });

  it("prints its version and its help on stdout", async () => {
    const version = await admin(["--version"], folder());
    expect(version).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: "" });
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
    const help = await admin(["--help"], folder());
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("keys list [--json]");
    expect(help.stderr).toBe("");
  });
});
