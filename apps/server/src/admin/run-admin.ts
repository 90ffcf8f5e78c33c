/**
 * The admin CLI's commands over the server's database. Results go to stdout (only the key for
 * `keys create`, so scripts can capture it); which database is used, and every refusal, go to
 * stderr as one line each.
 */
import { existsSync, rmSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { CsvHeaderError } from "../bulk/csv-format.js";
import { OrqSourceError } from "../bulk/orq-source.js";
import { loadPostgresSettings } from "../config.js";
import {
  describeDatabase,
  openSqliteStores,
  openStores,
  type SqliteStores,
  type Stores,
} from "../server-store.js";
import { createPrivateFile, createPrivateFolder } from "../store/sqlite/private-files.js";
import { VERSION } from "../version.js";
import {
  ADMIN_USAGE,
  type AdminCommand,
  type ExportCommand,
  type ImportCommand,
  parseAdminArgs,
  UsageError,
} from "./admin-args.js";
import { adminDatabase, inspectDatabase } from "./admin-database.js";
import { runExportCommand, runImportCommand } from "./bulk-commands.js";
import { BulkRefusalError } from "./bulk-refusal.js";

export interface AdminIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** What `import -` reads; process.stdin by default. */
  stdin?: NodeJS.ReadableStream;
}

/** Exit codes: 0 done, 1 refused or failed, 2 a command line that cannot run, 3 an import rejected lines. */
type ExitCode = 0 | 1 | 2 | 3;

/** A refusal after the command line was understood: one line on stderr, exit 1. */
class Refusal extends Error {}

const PROGRAM = "contacts-admin";

/** Runs the admin CLI on `argv` (the arguments after the program name); resolves to the exit code. */
export async function runAdmin(argv: readonly string[], io: AdminIo): Promise<ExitCode> {
  const say = (line: string) => io.stderr.write(`${PROGRAM}: ${line}\n`);
  let command: AdminCommand;
  try {
    command = parseAdminArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    say(`${error.message} (see ${PROGRAM} --help)`);
    return 2;
  }
  if (command.kind === "help") {
    io.stdout.write(`${ADMIN_USAGE}\n`);
    return 0;
  }
  if (command.kind === "version") {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }

  try {
    if ((command.kind === "import" || command.kind === "export") && command.target.kind === "api") {
      // Through a server's API: no database here.
      return await runBulk(command, undefined, io, say);
    }
    // Checked before the database is opened, so a refused backup touches nothing.
    if (command.kind === "backup") backupTarget(command.file, io.env);
    const stores = await openFor(command, io.env, say);
    try {
      return await run(command, stores, io, say);
    } finally {
      // The server may be running: a TRUNCATE checkpoint from here would stall its writers.
      await stores.close({ checkpoint: false });
    }
  } catch (error) {
    if (!isRefusal(error)) throw error;
    say(error.message);
    return 1;
  }
}

/** Errors that are answers to the operator, not bugs: one line, exit 1. */
function isRefusal(error: unknown): error is Error {
  return (
    error instanceof Refusal ||
    error instanceof BulkRefusalError ||
    error instanceof CsvHeaderError ||
    error instanceof OrqSourceError
  );
}

function runBulk(
  command: ImportCommand | ExportCommand,
  stores: Stores | undefined,
  io: AdminIo,
  say: (line: string) => void,
): Promise<ExitCode> {
  const bulkIo = {
    stdin: io.stdin ?? process.stdin,
    stdout: io.stdout,
    stderr: io.stderr,
    resolvePath: (file: string) => resolve(io.env.INIT_CWD || process.cwd(), file),
    say,
  };
  return command.kind === "import"
    ? runImportCommand(command, stores, bulkIo)
    : runExportCommand(command, stores, bulkIo);
}

/**
 * Opens the database DATABASE_URL names, after saying which one it is. Only `keys create` may
 * create it, and only where the server would (its default path) or when asked to.
 */
async function openFor(
  command: AdminCommand,
  env: NodeJS.ProcessEnv,
  say: (line: string) => void,
): Promise<Stores> {
  let database: ReturnType<typeof adminDatabase>;
  try {
    database = adminDatabase(env);
  } catch (error) {
    throw new Refusal((error as Error).message);
  }
  if (database.kind === "postgres") {
    if (command.kind === "backup") throw new Refusal(POSTGRES_BACKUP);
    say(`database ${describeDatabase(database)} (DATABASE_URL)`);
    return openStores(database, { postgres: loadPostgresSettings(env) });
  }
  const { path } = database;
  if (path === ":memory:") {
    throw new Refusal("DATABASE_URL is :memory:, which lives only inside one process");
  }
  const state = inspectDatabase(path);
  if (state.kind === "other") throw new Refusal(`${path} ${state.reason}; check DATABASE_URL`);
  if (state.kind === "missing") {
    const mayCreate =
      command.kind === "keys create" && (command.createDatabase || database.isServerDefault);
    if (!mayCreate) {
      const hint =
        command.kind === "keys create"
          ? "check DATABASE_URL, or add --create-database to make a new one there"
          : "check DATABASE_URL";
      throw new Refusal(`no database at ${path}; ${hint} (nothing was created)`);
    }
    say(`database ${path} (${database.source}; creating it)`);
  } else {
    say(`database ${path} (${database.source})`);
  }
  return openSqliteStores(path);
}

/** What `backup` says on PostgreSQL, whose own tools copy a live database consistently. */
const POSTGRES_BACKUP =
  'backup copies an SQLite file; on PostgreSQL use pg_dump (e.g. pg_dump --format=custom --file=contacts.dump "$DATABASE_URL") and pg_restore (see the README, Backup and restore)';

async function run(
  command: Exclude<AdminCommand, { kind: "help" | "version" }>,
  stores: Stores,
  io: AdminIo,
  say: (line: string) => void,
): Promise<ExitCode> {
  switch (command.kind) {
    case "keys create": {
      const { key, info } = await stores.apiKeys.createKey(command.workspace, Date.now());
      io.stdout.write(`${key}\n`);
      say(`created key ${info.keyId} in workspace "${command.workspace}" (${info.workspaceId})`);
      return 0;
    }
    case "keys list": {
      const keys = (await stores.apiKeys.listKeys()).map((key) => ({
        key_id: key.keyId,
        workspace: key.workspaceName,
        workspace_id: key.workspaceId,
        created: new Date(key.createdAt).toISOString(),
        revoked: key.revokedAt ? new Date(key.revokedAt).toISOString() : null,
      }));
      if (command.json) {
        io.stdout.write(`${JSON.stringify(keys, null, 2)}\n`);
        return 0;
      }
      io.stdout.write(
        "KEY ID            WORKSPACE                              CREATED                   REVOKED\n",
      );
      for (const key of keys) {
        io.stdout.write(
          `${key.key_id}  ${key.workspace.padEnd(37)}  ${key.created}  ${key.revoked ?? "-"}\n`,
        );
      }
      return 0;
    }
    case "keys revoke": {
      if (!(await stores.apiKeys.revokeKey(command.keyId, Date.now()))) {
        throw new Refusal(`no active key with id ${command.keyId} (see keys list)`);
      }
      say(`revoked key ${command.keyId}`);
      return 0;
    }
    case "backup":
      return backup(command.file, stores, io, say);
    case "import":
    case "export":
      return runBulk(command, stores, io, say);
  }
}

/**
 * A consistent copy while the server keeps writing: VACUUM INTO reads one snapshot (WAL
 * included) in a single read transaction, so writers are never blocked and, unlike the
 * page-by-page backup API, it never restarts when the server commits. The copy goes into an empty
 * file created first (private, 0600, and atomically: an existing file is never overwritten);
 * VACUUM INTO accepts an empty file.
 */
function backup(file: string, stores: Stores, io: AdminIo, say: (line: string) => void): 0 {
  if (stores.kind !== "sqlite") throw new Refusal(POSTGRES_BACKUP);
  const { database } = stores as SqliteStores;
  const target = backupTarget(file, io.env);
  createPrivateFolder(dirname(target));
  if (!createPrivateFile(target)) throw new Refusal(`${target} exists; refusing to overwrite it`);
  try {
    database.prepare("VACUUM INTO ?").run(target);
  } catch (error) {
    rmSync(target, { force: true });
    throw error;
  }
  io.stdout.write(`${target}\n`);
  say(`backed up ${statSync(target).size} bytes to ${target}`);
  return 0;
}

/** The backup's path, relative to where the operator ran npm (INIT_CWD) as DATABASE_URL is. */
function backupTarget(file: string, env: NodeJS.ProcessEnv): string {
  const target = resolve(env.INIT_CWD || process.cwd(), file);
  if (existsSync(target)) throw new Refusal(`${target} exists; refusing to overwrite it`);
  return target;
}
