import { dirname } from "node:path";
import Database from "better-sqlite3";
import { MIGRATIONS, type Migration } from "./migrations.js";
import { createPrivateFile, createPrivateFolder } from "./private-files.js";

export type SqliteDatabase = Database.Database;

/**
 * Opens (creating its folder if needed) and migrates the SQLite database. WAL lets readers run
 * beside the writer; synchronous=FULL makes every acknowledged write survive a power cut too.
 * What it creates is private (folders 0700, the file 0600, and so its WAL and shared memory):
 * contact data is for the server's user alone. Existing files and folders keep their modes.
 */
export function openDatabase(path: string): SqliteDatabase {
  if (path !== ":memory:") {
    createPrivateFolder(dirname(path));
    createPrivateFile(path);
  }
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  migrate(db, MIGRATIONS);
  return db;
}

/**
 * Applies every migration newer than the database's `user_version`, each in its own write
 * transaction. The version is read inside the transaction, so two processes opening a new file
 * at once (the server and the admin CLI) never apply a migration twice.
 */
export function migrate(db: SqliteDatabase, migrations: readonly Migration[]): void {
  for (const migration of migrations) {
    db.transaction(() => {
      if ((db.pragma("user_version", { simple: true }) as number) >= migration.version) return;
      db.exec(migration.sql);
      migration.apply?.(db);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}

/** The schema version the code expects; readiness checks compare the database against it. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;
