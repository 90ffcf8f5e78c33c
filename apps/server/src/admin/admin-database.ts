/**
 * Which database the admin CLI works on, and whether it may: it reads DATABASE_URL like the
 * server, and never creates a database by accident (a mistyped path would otherwise give an empty
 * database that no server reads, and a backup of nothing).
 */
import { existsSync } from "node:fs";
import Database from "better-sqlite3";
import { DEFAULT_DATABASE_URL, databasePathFromUrl, databaseTargetFromUrl } from "../config.js";

/** A PostgreSQL database DATABASE_URL names: the CLI works on it like on a file. */
export interface AdminPostgresDatabase {
  kind: "postgres";
  url: string;
}

export interface AdminDatabase {
  kind: "sqlite";
  path: string;
  /** Where the path came from, for the operator: "DATABASE_URL" or "default". */
  source: "DATABASE_URL" | "default";
  /** The path the server uses with no DATABASE_URL, where it creates the database itself. */
  isServerDefault: boolean;
}

/**
 * The database DATABASE_URL names, resolved as the server resolves it (a scheme the server
 * refuses throws the server's error).
 */
export function adminDatabase(env: NodeJS.ProcessEnv): AdminDatabase | AdminPostgresDatabase {
  const target = databaseTargetFromUrl(env.DATABASE_URL || DEFAULT_DATABASE_URL, env);
  if (target.kind === "postgres") return target;
  const { path } = target;
  return {
    kind: "sqlite",
    path,
    source: env.DATABASE_URL ? "DATABASE_URL" : "default",
    isServerDefault: path === databasePathFromUrl(DEFAULT_DATABASE_URL, env),
  };
}

export type DatabaseState =
  | { kind: "missing" }
  | { kind: "contacts" }
  /** A file that is there but is not a Contacts database; `reason` is one line. */
  | { kind: "other"; reason: string };

/** Looks at the file without creating or migrating anything. */
export function inspectDatabase(path: string): DatabaseState {
  if (!existsSync(path)) return { kind: "missing" };
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { fileMustExist: true });
    const version = db.pragma("user_version", { simple: true }) as number;
    return version > 0
      ? { kind: "contacts" }
      : { kind: "other", reason: "is not a Contacts database (schema version 0)" };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return {
      kind: "other",
      reason: code === "SQLITE_NOTADB" ? "is not an SQLite database" : `cannot be opened (${code})`,
    };
  } finally {
    db?.close();
  }
}
