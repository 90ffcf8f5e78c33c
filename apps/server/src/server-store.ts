import type { ApiKeyStore } from "./auth/api-keys.js";
import type { ContactStore } from "./contacts/contact-store.js";
import type { Readiness } from "./http/operator-routes.js";
import type { IdempotencyStore } from "./idempotency/idempotency-store.js";
import { SqliteIdempotencyStore } from "./idempotency/sqlite-idempotency-store.js";
import {
  LATEST_SCHEMA_VERSION,
  openDatabase,
  type SqliteDatabase,
} from "./store/sqlite/database.js";
import { SqliteApiKeyStore } from "./store/sqlite/sqlite-api-key-store.js";
import { SqliteContactStore } from "./store/sqlite/sqlite-contact-store.js";

/** The stores the server and the admin CLI work on, over one database. */
export interface Stores {
  contacts: ContactStore;
  apiKeys: ApiKeyStore;
  idempotency: IdempotencyStore;
  database: SqliteDatabase;
  /** Whether the database answers and carries every migration this code expects. */
  readiness(): Promise<Readiness>;
  /** Closes the database; `checkpoint` (the default) folds the WAL back into the file first. */
  close(options?: { checkpoint?: boolean }): void;
}

/** Opens the embedded SQLite default store at `path` (":memory:" for a throwaway one). */
export function openSqliteStores(path: string): Stores {
  const database = openDatabase(path);
  return {
    contacts: new SqliteContactStore(database),
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
    close: ({ checkpoint = true } = {}) => {
      if (!database.open) return;
      if (checkpoint && path !== ":memory:") database.pragma("wal_checkpoint(TRUNCATE)");
      database.close();
    },
  };
}
