// The bench's data on PostgreSQL: a database of its own per run (and a byte-identical copy for
// the baseline), seeded through the server's PostgreSQL store.
import pg from "pg";
import type { Stores } from "../../server/src/server-store.js";
import { contactAt, firstCreatedAt, rareIndexes, type SeedResult, timeBatches } from "./dataset.js";
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

/**
 * Creates `n` contacts through the store's importBatch (the bulk import's write path: one
 * transaction, one multi-row INSERT of contacts and one of tags per batch), `batch` per batch.
 * Ids follow the contacts' order; every contact of a batch has the batch's created_at.
 */
export async function seedThroughPostgresImport(
  modules: ServerModules,
  stores: Stores,
  workspaceId: string,
  n: number,
  batch: number,
  progress?: (done: number) => void,
): Promise<SeedResult> {
  const ids = modules.ids.createIdGenerator();
  const rare = rareIndexes(n);
  let time = firstCreatedAt(n);
  return timeBatches(n, batch, progress, async (start, end) => {
    const rows = [];
    for (let i = start; i < end; i++) {
      const { externalId, displayName, email, avatarUrl, tags, metadata } = contactAt(
        i,
        rare,
        "",
        0,
      );
      rows.push({
        externalId,
        fields: { displayName, email, avatarUrl, tags, metadata },
        patch: {},
      });
    }
    const outcomes = await stores.contacts.importBatch(workspaceId, rows, {
      mode: "create",
      now: time + end,
      merge: () => undefined,
      newId: () => ids.contactId(++time),
    });
    const failed = outcomes.find((outcome) => outcome.kind !== "created");
    if (failed) throw new Error(`seeding: a row was ${failed.kind}`);
  });
}

/** The id `fraction` of the way from the workspace's oldest contact (see dataset.ts idAt). */
export async function postgresIdAt(
  url: string,
  workspaceId: string,
  fraction: number,
): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>(
      `SELECT id FROM contacts WHERE workspace_id = $1 ORDER BY id
       OFFSET floor((SELECT count(*) FROM contacts WHERE workspace_id = $1) * $2::float8) LIMIT 1`,
      [workspaceId, fraction],
    );
    const row = rows[0];
    if (!row) throw new Error("no contacts to take a cursor from");
    return row.id;
  } finally {
    await client.end();
  }
}

/** The size of database `name` in MB. */
export async function postgresDatabaseMb(adminUrl: string, name: string): Promise<number> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ bytes: string }>(
      "SELECT pg_database_size($1)::text AS bytes",
      [name],
    );
    return Number(rows[0]?.bytes ?? 0) / 1024 / 1024;
  } finally {
    await client.end();
  }
}
