import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { ensureFirstApiKey } from "./first-start.js";
import { openSqliteStores } from "./server-store.js";

const dir = mkdtempSync(join(tmpdir(), "first-start-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("creates the first key once, and none when a key exists (two connections on one file)", async () => {
  const path = join(dir, "contacts.db");
  const [first, second] = [openSqliteStores(path), openSqliteStores(path)];
  try {
    const printed = await Promise.all([
      ensureFirstApiKey(first.apiKeys, Date.now()),
      ensureFirstApiKey(second.apiKeys, Date.now()),
    ]);
    expect(printed.filter((key) => key !== undefined)).toHaveLength(1);
    expect(await ensureFirstApiKey(second.apiKeys, Date.now())).toBeUndefined();
    expect((await first.apiKeys.listKeys()).map((k) => k.workspaceName)).toEqual(["default"]);
  } finally {
    first.close();
    second.close();
  }
});
