import { rmSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../config.js";
import { openSqliteStores } from "../server-store.js";
import { createPrivateFile, createPrivateFolder } from "../store/sqlite/private-files.js";

const USAGE = `Usage: npm run admin -- <command>

Commands:
  keys create --workspace <name>   create the workspace if needed and a key in it; prints only the key
  keys list                        list keys (id, workspace, created, revoked), never the secrets
  keys revoke <key-id>             revoke a key at once
  backup <file>                    consistent copy of the database, safe while the server runs

Reads DATABASE_URL like the server (default ./data/contacts.db).`;

/** The operator's admin CLI. Returns the process exit code. */
export async function runAdmin(
  argv: string[],
  out = process.stdout,
  err = process.stderr,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { workspace: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  const [group, command, arg] = positionals;
  if (group === "backup" && command && !values.help) return backup(command, out, err);
  if (values.help || group !== "keys" || !command) {
    (values.help ? out : err).write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }

  const stores = openSqliteStores(loadConfig().databasePath);
  try {
    switch (command) {
      case "create": {
        const workspace = values.workspace?.trim();
        if (!workspace) {
          err.write("keys create needs --workspace <name>\n");
          return 2;
        }
        const { key, info } = await stores.apiKeys.createKey(workspace, Date.now());
        out.write(`${key}\n`);
        err.write(`created key ${info.keyId} in workspace "${workspace}" (${info.workspaceId})\n`);
        return 0;
      }
      case "list": {
        const keys = await stores.apiKeys.listKeys();
        out.write(
          "KEY ID            WORKSPACE                              CREATED                   REVOKED\n",
        );
        for (const key of keys) {
          const revoked = key.revokedAt ? new Date(key.revokedAt).toISOString() : "-";
          out.write(
            `${key.keyId}  ${key.workspaceName.padEnd(37)}  ${new Date(key.createdAt).toISOString()}  ${revoked}\n`,
          );
        }
        return 0;
      }
      case "revoke": {
        if (!arg) {
          err.write("keys revoke needs a key id (see keys list)\n");
          return 2;
        }
        if (!(await stores.apiKeys.revokeKey(arg, Date.now()))) {
          err.write(`no active key with id ${arg}\n`);
          return 1;
        }
        err.write(`revoked key ${arg}\n`);
        return 0;
      }
      default:
        err.write(`${USAGE}\n`);
        return 2;
    }
  } finally {
    // The server may be running: a TRUNCATE checkpoint from here would stall its writers.
    stores.close({ checkpoint: false });
  }
}

/**
 * A consistent copy while the server keeps writing: VACUUM INTO reads one snapshot (WAL
 * included) in a single read transaction, so writers are never blocked and, unlike the
 * page-by-page backup API, it never restarts when the server commits. The copy goes into an empty
 * file created first (private, 0600, and atomically: an existing file is never overwritten);
 * VACUUM INTO accepts an empty file.
 */
async function backup(file: string, out: NodeJS.WritableStream, err: NodeJS.WritableStream) {
  const target = resolve(process.env.INIT_CWD || process.cwd(), file);
  const stores = openSqliteStores(loadConfig().databasePath);
  try {
    createPrivateFolder(dirname(target));
    if (!createPrivateFile(target)) {
      err.write(`${target} exists; refusing to overwrite it\n`);
      return 1;
    }
    try {
      stores.database.prepare("VACUUM INTO ?").run(target);
    } catch (error) {
      rmSync(target, { force: true });
      throw error;
    }
    out.write(`${target}\n`);
    err.write(`backed up ${statSync(target).size} bytes to ${target}\n`);
    return 0;
  } finally {
    stores.close({ checkpoint: false });
  }
}

runAdmin(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
