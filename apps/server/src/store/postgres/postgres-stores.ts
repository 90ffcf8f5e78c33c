// The PostgreSQL stores over one pool: migrated at open, ready when the database answers and
// carries every migration this code expects.
import type { PostgresSettings } from "../../config.js";
import type { Stores } from "../../server-store.js";
import { DEFAULT_SHARE, FairTurns } from "../fair-turns.js";
import { appliedVersions, migratePostgres } from "./migrate.js";
import { LATEST_POSTGRES_VERSION } from "./migrations.js";
import { openPool, type Pool, sqlStateOf } from "./pool.js";

const UNDEFINED_TABLE = "42P01";

import { PostgresApiKeyStore } from "./postgres-api-key-store.js";
import { PostgresContactStore } from "./postgres-contact-store.js";
import { PostgresIdempotencyStore } from "./postgres-idempotency-store.js";
import { PostgresUsageStore } from "./postgres-usage-store.js";

/** The PostgreSQL stores, with their pool for what only PostgreSQL has (tests, tools). */
export interface PostgresStores extends Stores {
  kind: "postgres";
  pool: Pool;
}

export interface PostgresStoreOptions {
  settings?: PostgresSettings;
  /** Most candidate rows a list call may examine (MAX_EXAMINED_ROWS); tests lower it. */
  maxExaminedRows?: number;
  /** Apply pending migrations at open (the default); off, readiness reports them pending. */
  migrate?: boolean;
  /**
   * Connections that filtered list calls (search, tags) and top lists over periods other than
   * the window may hold at once, taken in turns across workspaces (LIST_WORKERS); 0: no turns,
   * as many as the pool has.
   */
  listSlots?: number;
  /** Calls a workspace may have in flight in those turns (16, both kinds); tests lower it. */
  maxQueuedLists?: number;
}

/** Opens the stores on the PostgreSQL database `url`, migrating it first. */
export async function openPostgresStores(
  url: string,
  options: PostgresStoreOptions = {},
): Promise<PostgresStores> {
  const pool = openPool(url, options.settings);
  try {
    if (options.migrate !== false) await migratePostgres(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  let closed = false;
  // One set of turns for every expensive read, as on SQLite's list workers: a workspace that
  // floods them holds at most its turns' connections, never the pool.
  const slots = options.listSlots ?? 1;
  const turns =
    slots > 0
      ? new FairTurns({ slots, maxInFlightPerWorkspace: options.maxQueuedLists ?? DEFAULT_SHARE })
      : undefined;
  return {
    kind: "postgres",
    pool,
    contacts: new PostgresContactStore(pool, {
      ...(options.maxExaminedRows !== undefined && { maxExaminedRows: options.maxExaminedRows }),
      ...(turns && { filteredLists: turns }),
    }),
    usage: new PostgresUsageStore(pool, { ...(turns && { otherPeriods: turns }) }),
    apiKeys: new PostgresApiKeyStore(pool),
    idempotency: new PostgresIdempotencyStore(pool),
    readiness: async () => {
      if (closed) return { ready: false, checks: { database: "closed" } };
      try {
        const versions = await appliedVersions(pool);
        const latest = versions.at(-1) ?? 0;
        const migrated = latest === LATEST_POSTGRES_VERSION;
        return {
          ready: migrated,
          checks: {
            database: "ok",
            migrations: migrated ? "ok" : `schema ${latest}, expected ${LATEST_POSTGRES_VERSION}`,
          },
        };
      } catch (error) {
        // Answered, but not migrated at all yet.
        if (sqlStateOf(error) === UNDEFINED_TABLE) {
          return {
            ready: false,
            checks: { database: "ok", migrations: `schema 0, expected ${LATEST_POSTGRES_VERSION}` },
          };
        }
        return { ready: false, checks: { database: (error as Error).message } };
      }
    },
    close: async () => {
      if (closed) return;
      closed = true;
      turns?.close(new Error("the store is closed"));
      await pool.end();
    },
  };
}
