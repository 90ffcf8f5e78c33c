import type { ApiKeyStore } from "./auth/api-keys.js";
import type { DatabaseTarget, PostgresSettings } from "./config.js";
import type { ContactStore } from "./contacts/contact-store.js";
import type { Readiness } from "./http/operator-routes.js";
import type { IdempotencyStore } from "./idempotency/idempotency-store.js";
import { SqliteIdempotencyStore } from "./idempotency/sqlite-idempotency-store.js";
import { openPostgresStores } from "./store/postgres/postgres-stores.js";
import {
  LATEST_SCHEMA_VERSION,
  openDatabase,
  type SqliteDatabase,
} from "./store/sqlite/database.js";
import { ListWorkers } from "./store/sqlite/list-worker.js";
import { SqliteApiKeyStore } from "./store/sqlite/sqlite-api-key-store.js";
import { SqliteContactStore } from "./store/sqlite/sqlite-contact-store.js";
import { SqliteUsageStore } from "./store/sqlite/sqlite-usage-store.js";
import type { UsageStore } from "./usage/usage-store.js";

/** The stores the server and the admin CLI work on, over one database (SQLite or PostgreSQL). */
export interface Stores {
  /** Which engine holds them: operators' tools differ (backup), the API does not. */
  kind: "sqlite" | "postgres";
  contacts: ContactStore;
  usage: UsageStore;
  apiKeys: ApiKeyStore;
  idempotency: IdempotencyStore;
  /** Whether the database answers and carries every migration this code expects. */
  readiness(): Promise<Readiness>;
  /**
   * Closes the database. SQLite: `checkpoint` (the default) folds the WAL back into the file
   * first, and the work is done before this returns. PostgreSQL: ends the pool.
   */
  close(options?: { checkpoint?: boolean }): Promise<void>;
}

/** The SQLite stores, with their database for what only SQLite has (online backup, tests). */
export interface SqliteStores extends Stores {
  kind: "sqlite";
  database: SqliteDatabase;
}

export interface StoreOptions {
  /** Most candidate rows a list call may examine (MAX_EXAMINED_ROWS); tests lower it. */
  maxExaminedRows?: number;
  /**
   * Filtered list calls (search, tags) and top lists over periods other than the window run at
   * most this many at once, in turns across workspaces (store/fair-turns.ts). SQLite: worker
   * threads, off the event loop; 0 runs them inline (an in-memory database has no file to share
   * with them: always inline). PostgreSQL: pool connections; 0 lets them take the whole pool.
   */
  listWorkers?: number;
  /** Calls a workspace may have in flight in those turns (16, both kinds); tests lower it. */
  maxQueuedLists?: number;
}

/** Opens the embedded SQLite default store at `path` (":memory:" for a throwaway one). */
export function openSqliteStores(path: string, options: StoreOptions = {}): SqliteStores {
  const database = openDatabase(path);
  const threads = path === ":memory:" ? 0 : (options.listWorkers ?? 0);
  // One pool for every expensive read, so workspaces share one fair queue (list-worker.ts).
  const workers =
    threads > 0
      ? new ListWorkers({
          path,
          threads,
          ...(options.maxQueuedLists !== undefined && {
            maxQueuedPerWorkspace: options.maxQueuedLists,
          }),
          ...(options.maxExaminedRows !== undefined && {
            maxExaminedRows: options.maxExaminedRows,
          }),
        })
      : undefined;
  return {
    kind: "sqlite",
    contacts: new SqliteContactStore(database, {
      ...(options.maxExaminedRows !== undefined && { maxExaminedRows: options.maxExaminedRows }),
      ...(workers && { filteredLists: workers }),
    }),
    usage: new SqliteUsageStore(database, { ...(workers && { otherPeriods: workers }) }),
    apiKeys: new SqliteApiKeyStore(database),
    idempotency: new SqliteIdempotencyStore(database),
    database,
    readiness: async () => {
      try {
        const version = database.pragma("user_version", { simple: true }) as number;
        const migrated = version === LATEST_SCHEMA_VERSION;
        return {
          ready: migrated,
          checks: {
            database: "ok",
            migrations: migrated ? "ok" : `schema ${version}, expected ${LATEST_SCHEMA_VERSION}`,
          },
        };
      } catch (error) {
        return { ready: false, checks: { database: (error as Error).message } };
      }
    },
    close: async ({ checkpoint = true } = {}) => {
      if (!database.open) return;
      void workers?.close();
      if (checkpoint && path !== ":memory:") database.pragma("wal_checkpoint(TRUNCATE)");
      database.close();
    },
  };
}

/** Opens the stores DATABASE_URL selects: SQLite at a path, or PostgreSQL (migrated first). */
export async function openStores(
  target: DatabaseTarget,
  options: StoreOptions & { postgres?: PostgresSettings } = {},
): Promise<Stores> {
  if (target.kind === "sqlite") return openSqliteStores(target.path, options);
  return openPostgresStores(target.url, {
    ...(options.postgres && { settings: options.postgres }),
    ...(options.maxExaminedRows !== undefined && { maxExaminedRows: options.maxExaminedRows }),
    ...(options.listWorkers !== undefined && { listSlots: options.listWorkers }),
    ...(options.maxQueuedLists !== undefined && { maxQueuedLists: options.maxQueuedLists }),
  });
}

/** The database for logs and the admin CLI: a path, or a PostgreSQL URL without its password. */
export function describeDatabase(target: DatabaseTarget): string {
  if (target.kind === "sqlite") return target.path;
  try {
    const url = new URL(target.url);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return "postgres://(unparsable URL)";
  }
}
