import type { ApiKeyStore } from "./auth/api-keys.js";
import type { ContactStore } from "./contacts/contact-store.js";
import { openDatabase, type SqliteDatabase } from "./store/sqlite/database.js";
import { SqliteApiKeyStore } from "./store/sqlite/sqlite-api-key-store.js";
import { SqliteContactStore } from "./store/sqlite/sqlite-contact-store.js";

/** The stores the server and the admin CLI work on, over one database. */
export interface Stores {
  contacts: ContactStore;
  apiKeys: ApiKeyStore;
  database: SqliteDatabase;
  close(): void;
}

/** Opens the embedded SQLite default store at `path` (":memory:" for a throwaway one). */
export function openSqliteStores(path: string): Stores {
  const database = openDatabase(path);
  return {
    contacts: new SqliteContactStore(database),
    apiKeys: new SqliteApiKeyStore(database),
    database,
    close: () => {
      if (!database.open) return;
      if (path !== ":memory:") database.pragma("wal_checkpoint(TRUNCATE)");
      database.close();
    },
  };
}
