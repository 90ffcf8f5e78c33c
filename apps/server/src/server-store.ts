import type { ApiKeyStore } from "./auth/api-keys.js";
import type { ContactStore } from "./contacts/contact-store.js";
import type { IdempotencyStore } from "./idempotency/idempotency-store.js";
import { openDatabase, type SqliteDatabase } from "./store/sqlite/database.js";
import { SqliteApiKeyStore } from "./store/sqlite/sqlite-api-key-store.js";
import { SqliteContactStore } from "./store/sqlite/sqlite-contact-store.js";
import { SqliteIdempotencyStore } from "./store/sqlite/sqlite-idempotency-store.js";

/** The stores the server and the admin CLI work on, over one database. */
export interface Stores {
  contacts: ContactStore;
  apiKeys: ApiKeyStore;
  idempotency: IdempotencyStore;
  database: SqliteDatabase;
  close(): void;
}

/** Opens the embedded SQLite default store at `path` (":memory:" for a throwaway one). */
export function openSqliteStores(path: string): Stores {
  const database = openDatabase(path);
  const idempotency = new SqliteIdempotencyStore(database);
  return {
    contacts: new SqliteContactStore(database, idempotency),
    apiKeys: new SqliteApiKeyStore(database),
    idempotency,
    database,
    close: () => {
      if (!database.open) return;
      if (path !== ":memory:") database.pragma("wal_checkpoint(TRUNCATE)");
      database.close();
    },
  };
}
