// Applies pending migrations, safely when many replicas start at once: one session holds an
// advisory lock while it migrates, the others wait for it and then find nothing left to do.
import { POSTGRES_MIGRATIONS, type PostgresMigration } from "./migrations.js";
import { checkOut, type Pool } from "./pool.js";

/** The advisory lock key of migrations: any fixed number, the same in every replica. */
const MIGRATION_LOCK = 7_240_331_001;

const CREATE_VERSIONS = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer PRIMARY KEY,
    description text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
  )`;

/** Migrates the database; resolves to the versions this call applied (none if another did). */
export async function migratePostgres(
  pool: Pool,
  migrations: readonly PostgresMigration[] = POSTGRES_MIGRATIONS,
): Promise<number[]> {
  const { client, release } = await checkOut(pool);
  const applied: number[] = [];
  try {
    // A migration may take longer than a request's statement timeout.
    await client.query("SET statement_timeout = 0");
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    try {
      await client.query(CREATE_VERSIONS);
      const done = new Set(
        (await client.query<{ version: number }>("SELECT version FROM schema_migrations")).rows.map(
          (row) => row.version,
        ),
      );
      for (const migration of migrations) {
        if (done.has(migration.version)) continue;
        await client.query("BEGIN");
        try {
          await client.query(migration.sql);
          await client.query(
            "INSERT INTO schema_migrations (version, description) VALUES ($1, $2)",
            [migration.version, migration.description],
          );
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK");
          throw error;
        }
        applied.push(migration.version);
      }
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]);
    }
    await client.query("RESET statement_timeout");
  } catch (error) {
    // The session may still hold the lock or an aborted transaction: never reuse it.
    release(error as Error);
    throw error;
  }
  release();
  return applied;
}

/** The versions applied to the database (empty before the first migration). */
export async function appliedVersions(pool: Pool): Promise<number[]> {
  const { rows } = await pool.query<{ version: number }>(
    `SELECT version FROM schema_migrations ORDER BY version`,
  );
  return rows.map((row) => row.version);
}
