// Migrations on PostgreSQL: many replicas starting at once on a fresh database apply each
// migration exactly once; readiness tells a database that lacks them.
import type pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../../test/support/postgres-databases.js";
import { appliedVersions, migratePostgres } from "./migrate.js";
import { LATEST_POSTGRES_VERSION, POSTGRES_MIGRATIONS } from "./migrations.js";
import { openPool } from "./pool.js";
import { openPostgresStores } from "./postgres-stores.js";

const dropped: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const drop of dropped) await drop();
});

async function freshDatabase() {
  const database = await createTestDatabase({ migrated: false });
  dropped.push(database.drop);
  return database;
}

describe("PostgreSQL migrations", () => {
  it("applies each migration once when eight migrators start at once on a fresh database", async () => {
    const { url } = await freshDatabase();
    const pools = Array.from({ length: 8 }, () => openPool(url));
    try {
      const applied = await Promise.all(pools.map((pool) => migratePostgres(pool)));
      // Exactly one migrator applied each version; the others found it done.
      expect(applied.flat().sort()).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
      expect(await appliedVersions(pools[0] as pg.Pool)).toEqual(
        POSTGRES_MIGRATIONS.map((m) => m.version),
      );
      // And again: nothing left to do.
      expect(await migratePostgres(pools[1] as pg.Pool)).toEqual([]);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it("leaves a database unchanged when a migration fails, and releases the lock", async () => {
    const { url } = await freshDatabase();
    const pool = openPool(url);
    try {
      const broken = [
        ...POSTGRES_MIGRATIONS.slice(0, 1),
        { version: 2, description: "broken", sql: "CREATE TABLE t (x int); SELECT 1/0;" },
      ];
      await expect(migratePostgres(pool, broken)).rejects.toThrow(/division by zero/);
      expect(await appliedVersions(pool)).toEqual([1]);
      const { rowCount } = await pool.query("SELECT 1 FROM pg_tables WHERE tablename = 't'");
      expect(rowCount).toBe(0);
      // The lock was released: the real migrations go on.
      expect(await migratePostgres(pool)).toEqual(
        POSTGRES_MIGRATIONS.slice(1).map((m) => m.version),
      );
    } finally {
      await pool.end();
    }
  });

  it("readiness: ready once migrated; pending migrations and an unreachable server are 503 reasons", async () => {
    const { url } = await freshDatabase();
    const unmigrated = await openPostgresStores(url, { migrate: false });
    expect(await unmigrated.readiness()).toEqual({
      ready: false,
      checks: { database: "ok", migrations: `schema 0, expected ${LATEST_POSTGRES_VERSION}` },
    });
    await migratePostgres(unmigrated.pool, POSTGRES_MIGRATIONS.slice(0, 1));
    expect((await unmigrated.readiness()).checks.migrations).toBe(
      `schema 1, expected ${LATEST_POSTGRES_VERSION}`,
    );
    await unmigrated.close();

    const migrated = await openPostgresStores(url);
    expect(await migrated.readiness()).toEqual({
      ready: true,
      checks: { database: "ok", migrations: "ok" },
    });
    await migrated.close();

    // Nothing listens on port 1: the check fails within the connect timeout.
    const unreachable = new URL(url);
    unreachable.port = "1";
    const away = await openPostgresStores(unreachable.toString(), {
      migrate: false,
      settings: {
        poolSize: 1,
        statementTimeoutMs: 1000,
        connectTimeoutMs: 1000,
        idleTimeoutMs: 1000,
      },
    });
    const readiness = await away.readiness();
    expect(readiness.ready).toBe(false);
    expect(readiness.checks.database).toMatch(/ECONNREFUSED|connect/);
    await away.close();
  });
});
