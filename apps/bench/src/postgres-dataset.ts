// The bench's data on PostgreSQL: a database of its own per run (and a byte-identical copy for
// the baseline), seeded through the server's PostgreSQL store.
import pg from "pg";
import type { Stores } from "../../server/src/server-store.js";
import { contactAt, rareIndexes, type SeedResult } from "./dataset.js";
import type { ServerModules } from "./server-modules.js";

/** The URL of database `name` on the server of `adminUrl`. */
export function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs `sql` on the admin database (CREATE / DROP DATABASE). */
export async function onAdmin(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Creates `n` contacts through the store's create (its transaction, tags and unique index), 16
 * at a time: PostgreSQL commits in parallel, where SQLite needed one outer transaction.
 */
export async function seedThroughPostgresStore(
  modules: ServerModules,
  stores: Stores,
  workspaceId: string,
  n: number,
  progress?: (done: number) => void,
): Promise<SeedResult> {
  const ids = modules.ids.createIdGenerator();
  const rare = rareIndexes(n);
  const base = Date.now() - n;
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < n) {
        const i = next++;
        const createdAt = base + i;
        await stores.contacts.create(
          workspaceId,
          contactAt(i, rare, ids.contactId(createdAt), createdAt),
        );
        if (i % 10_000 === 0) progress?.(i);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { rows: n, seconds, rowsPerSecond: n / seconds, tailRowsPerSecond: n / seconds };
}

/** The ids and external ids of a workspace's contacts, oldest first. */
export async function postgresContactRefs(
  url: string,
  workspaceId: string,
): Promise<{ ids: string[]; externalIds: string[] }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; external_id: string }>(
      "SELECT id, external_id FROM contacts WHERE workspace_id = $1 ORDER BY id",
      [workspaceId],
    );
    return { ids: rows.map((r) => r.id), externalIds: rows.map((r) => r.external_id) };
  } finally {
    await client.end();
  }
}
