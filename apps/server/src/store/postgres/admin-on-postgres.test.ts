// The admin CLI on PostgreSQL: keys create/list/revoke work on the database DATABASE_URL names
// (a server on it sees them at once); backup says to use pg_dump and pg_restore; bulk import and
// export go through the PostgreSQL contact store (its importBatch).
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../../test/support/postgres-databases.js";
import { startTestServer, type TestServer } from "../../../test/support/test-server.js";
import { runAdmin } from "../../admin/run-admin.js";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let server: TestServer;

beforeAll(async () => {
  database = await createTestDatabase({ migrated: false });
});
afterAll(async () => {
  await server?.close();
  await database.drop();
});

async function admin(argv: string[], databaseUrl = database.url) {
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
  const code = await runAdmin(argv, { stdout, stderr, env: { DATABASE_URL: databaseUrl } });
  return { code, stdout: out, stderr: err };
}

describe("admin CLI on PostgreSQL", () => {
  it("creates a key (migrating a fresh database), lists it, and a server on the database accepts it until revoked", async () => {
    const created = await admin(["keys", "create", "--workspace", "acme"]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^ck_[0-9a-f]{16}_[A-Za-z0-9_-]{43}\n$/);
    const key = created.stdout.trim();
    const keyId = key.slice(3, 19);
    // Names the database without its password.
    expect(created.stderr).toContain(
      `contacts-admin: database ${new URL(database.url).toString()}`,
    );

    const listed = await admin(["keys", "list", "--json"]);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ key_id: keyId, workspace: "acme", revoked: null }),
    ]);

    server = await startTestServer({ postgresUrl: database.url });
    const get = () => server.fetch("/v2/contacts", { headers: { authorization: `Bearer ${key}` } });
    expect((await get()).status).toBe(200);
    expect((await admin(["keys", "revoke", keyId])).code).toBe(0);
    // The server remembers a success for 500 ms (postgres-api-key-store.ts): refused within 1 s.
    const revokedAt = performance.now();
    let status = (await get()).status;
    while (status !== 401 && performance.now() - revokedAt < 2000) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      status = (await get()).status;
    }
    expect(status).toBe(401);
    expect(performance.now() - revokedAt).toBeLessThan(1000);
    expect((await admin(["keys", "revoke", keyId])).stderr).toContain(
      `no active key with id ${keyId}`,
    );
  });

  it("hides the password when it names the database", async () => {
    const url = new URL(database.url);
    url.password = "s3cret";
    const { stderr } = await admin(["keys", "list"], url.toString());
    expect(stderr).not.toContain("s3cret");
    expect(stderr).toContain(":***@");
  });

  it("backup: says to use pg_dump and pg_restore, exit 1, nothing written", async () => {
    const { code, stdout, stderr } = await admin(["backup", "/nonexistent-dir/copy.db"]);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toMatch(
      /^contacts-admin: backup copies an SQLite file; on PostgreSQL use pg_dump .* and pg_restore/,
    );
  });

  it("refuses a DATABASE_URL scheme the server does not support", async () => {
    const { code, stderr } = await admin(["keys", "list"], "mysql://root@localhost/contacts");
    expect(code).toBe(1);
    expect(stderr).toContain('the scheme "mysql://" is not supported');
  });

  it("imports a file (a bad line rejected, a repeat skipped, an upsert applied) and exports it back", async () => {
    const dir = mkdtempSync(join(tmpdir(), "contacts-pg-import-"));
    const file = join(dir, "users.jsonl");
    writeFileSync(
      file,
      [
        '{"external_id":"u1","display_name":"Ada","tags":["beta","pro"]}',
        '{"external_id":"u2","email":"not an email"}',
        '{"external_id":"u3","metadata":{"plan":"free"}}',
        '{"external_id":"u1","display_name":"Ada again"}',
        "",
      ].join("\n"),
    );
    const rejects = join(dir, "rejects.jsonl");
    expect((await admin(["keys", "create", "--workspace", "importers"])).code).toBe(0);
    const first = await admin([
      "import",
      file,
      "--workspace",
      "importers",
      "--rejects",
      rejects,
      "--json",
    ]);
    expect(first.code).toBe(3);
    expect(JSON.parse(first.stdout)).toMatchObject({
      read: 4,
      created: 2,
      skipped: 1,
      rejected: 1,
    });
    expect(JSON.parse(readFileSync(rejects, "utf8").trim())).toMatchObject({
      line: 2,
      code: "validation_failed",
      details: [expect.objectContaining({ path: "/body/email" })],
    });

    // Again, as an upsert: u1 takes its last line's name; u3 is unchanged.
    const again = await admin([
      "import",
      file,
      "--workspace",
      "importers",
      "--mode",
      "upsert",
      "--json",
    ]);
    expect(JSON.parse(again.stdout)).toMatchObject({
      created: 0,
      updated: 1,
      unchanged: 2,
      rejected: 1,
    });

    const exported = await admin(["export", "-", "--workspace", "importers"]);
    expect(exported.code).toBe(0);
    const lines = exported.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => [line.external_id, line.display_name, line.tags])).toEqual([
      ["u1", "Ada again", ["beta", "pro"]],
      ["u3", null, []],
    ]);
  });
});
