import { closeSync, mkdirSync, openSync } from "node:fs";

/** Folders the server or the admin CLI create: the owner only (rwx------). */
export const PRIVATE_FOLDER_MODE = 0o700;
/** Files they create, the database and its backups: the owner only (rw-------). */
export const PRIVATE_FILE_MODE = 0o600;

/** Creates `path` and any missing parents as private folders; folders that exist are left alone. */
export function createPrivateFolder(path: string): void {
  mkdirSync(path, { recursive: true, mode: PRIVATE_FOLDER_MODE });
}

/**
 * Creates an empty private file at `path`; false, and nothing changed, when it already exists.
 * SQLite then opens the empty file as a new database and creates its WAL and shared-memory files
 * with the database file's own mode, so they are private too.
 */
export function createPrivateFile(path: string): boolean {
  try {
    closeSync(openSync(path, "wx", PRIVATE_FILE_MODE));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}
