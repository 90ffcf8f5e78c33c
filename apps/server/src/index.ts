/**
 * `@contacts/server`'s public entry, for the other workspaces (the bench): the stores, the schema,
 * the id generator and the usage window's rule, so that they reuse the server's own code instead of reaching into src/.
 */
export type { ContactRecord } from "./contacts/contact.js";
export type { ContactStore, NewContact } from "./contacts/contact-store.js";
export { createIdGenerator, type IdGenerator } from "./ids.js";
export {
  openSqliteStores,
  openStores,
  type SqliteStores,
  type Stores,
} from "./server-store.js";
export {
  LATEST_SCHEMA_VERSION,
  openDatabase,
  type SqliteDatabase,
} from "./store/sqlite/database.js";
export { WorkspaceSearchIndex } from "./store/sqlite/workspace-search-index.js";
export { topWindowFirstDay } from "./usage/usage-rules.js";
