/**
 * The operator's interface, run as real processes: first start prints one key, the admin CLI
 * creates, lists and revokes keys on the same database, and SIGTERM stops the server cleanly.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { processRunner } from "./support/server-process.js";

const dataDir = mkdtempSync(join(tmpdir(), "contacts-operator-"));
const databaseUrl = join(dataDir, "nested", "contacts.db");
const env = {
  DATABASE_URL: databaseUrl,
  LOG_LEVEL: "info",
  PORT: "0",
  HOST: "127.0.0.1",
};
const { admin, startServer, killAll } = processRunner(env);

afterAll(() => {
  killAll();
  rmSync(dataDir, { recursive: true, force: true });
});

const listContacts = (url: string, key: string) =>
  fetch(`${url}/v2/contacts`, { headers: { authorization: `Bearer ${key}` } });

describe("first start, admin CLI and shutdown", () => {
  let firstKey = "";

  it("creates the database folder, prints one key on first start, and the key works", async () => {
    const server = await startServer();
    const keys = server.err().match(/ck_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/g) ?? [];
    expect(new Set(keys).size).toBe(1);
    firstKey = keys[0] as string;
    expect(server.err()).toContain('workspace "default"');
    // Never in the JSON log stream.
    expect(server.out()).not.toContain(firstKey);
    expect((await listContacts(server.url, firstKey)).status).toBe(200);

    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    expect(server.out()).toContain('"msg":"stopped"');
  });

  it("does not print a key again on the next start", async () => {
    const server = await startServer();
    expect(server.out() + server.err()).not.toMatch(/ck_[0-9a-f]{16}_/);
    expect((await listContacts(server.url, firstKey)).status).toBe(200);
    server.child.kill("SIGINT");
    expect(await server.exited).toBe(0);
  });

  it("creates a key with only the key on stdout, lists it without secrets, and revokes it", async () => {
    const created = await admin("keys", "create", "--workspace", "acme");
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^ck_[0-9a-f]{16}_[A-Za-z0-9_-]{43}\n$/);
    const key = created.stdout.trim();
    const keyId = key.split("_")[1] as string;

    const listed = await admin("keys", "list");
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(keyId);
    expect(listed.stdout).toContain("acme");
    expect(listed.stdout).toContain("default");
    expect(listed.stdout).not.toContain(key);

    const server = await startServer();
    expect((await listContacts(server.url, key)).status).toBe(200);
    expect((await admin("keys", "revoke", keyId)).code).toBe(0);
    const refused = await listContacts(server.url, key);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toContain("Bearer");
    expect((await listContacts(server.url, firstKey)).status).toBe(200);
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    expect(server.out()).not.toContain(key);
  });

  it.each([
    ["no command", [], 2],
    ["create without a workspace", ["keys", "create"], 2],
    ["a short option it lacks", ["keys", "create", "-w", "acme"], 2],
    ["revoke of an unknown key", ["keys", "revoke", "0000000000000000"], 1],
  ])("exits non-zero on %s", async (_name, args, code) => {
    expect((await admin(...args)).code).toBe(code);
  });

  it("refuses a mistyped DATABASE_URL in one line and creates nothing", async () => {
    const typo = join(dataDir, "nested-typo", "contacts.db");
    const typoAdmin = processRunner({ DATABASE_URL: typo }).admin;
    for (const args of [
      ["keys", "list"],
      ["keys", "create", "--workspace", "acme"],
      ["backup", join(dataDir, "b.db")],
    ]) {
      const refused = await typoAdmin(...args);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toBe("");
      expect(refused.stderr).toMatch(
        new RegExp(`^contacts-admin: no database at ${typo}; [^\\n]+\\n$`),
      );
    }
    expect(existsSync(join(dataDir, "nested-typo"))).toBe(false);
    expect(existsSync(join(dataDir, "b.db"))).toBe(false);
  });
});
