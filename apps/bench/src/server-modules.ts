// The bench runs the server as `npm start` does (compiled dist/, production config) and reuses
// the server's own schema, store and id modules for seeding and for the baseline, loaded from the
// same code as the server it runs, so both sides always share one schema version.
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** The server's public entry (its package `exports`), as loaded from one copy of its code. */
type ServerModule = typeof import("@contacts/server");

/** apps/server, found through the workspace dependency. */
export const SERVER_ROOT = dirname(
  createRequire(import.meta.url).resolve("@contacts/server/package.json"),
);
export const REPO_ROOT = join(SERVER_ROOT, "..", "..");

/** tsx's loader, for children that run TypeScript (the baseline, or the server from src). */
export const TSX_LOADER = import.meta.resolve("tsx");

/** A directory holding the server's main module: compiled (.js) or its sources (.ts, via tsx). */
export interface ServerCode {
  dir: string;
  typescript: boolean;
  /** The directory relative to the repository, for the printed header. */
  label: string;
}

/**
 * `--from`: `auto` (dist when built, else src), `dist`, `src`, or the path of another compiled
 * copy, e.g. a private build made by `npm run build:server -w @contacts/bench` (which leaves
 * apps/server/dist alone) or a build of an older revision. A compiled copy must sit two folders
 * below the repository root, as apps/server/dist does: the server finds openapi.yaml from there.
 */
export function chooseServerCode(requested: string): { code: ServerCode; warning?: string } {
  const dist = join(SERVER_ROOT, "dist");
  const src = join(SERVER_ROOT, "src");
  if (requested === "src" || (requested === "auto" && !existsSync(join(dist, "main.js")))) {
    const warning = requested === "auto" ? "apps/server/dist is missing: running src" : undefined;
    return { code: codeAt(src), ...(warning && { warning }) };
  }
  // A path is taken from where npm was started (INIT_CWD), like DATABASE_URL in the server.
  const dir =
    requested === "auto" || requested === "dist"
      ? dist
      : resolve(process.env.INIT_CWD || process.cwd(), requested);
  if (!existsSync(join(dir, "main.js"))) {
    throw new Error(`${dir}/main.js is missing: run \`npm run build\` first`);
  }
  const built = statSync(join(dir, "main.js")).mtimeMs;
  const newer = newestSource(src);
  if (dir === dist && newer && newer.mtime > built) {
    const warning = `apps/server/dist is older than ${relative(REPO_ROOT, newer.path)}: run \`npm run build\`, or pass --from src`;
    return { code: codeAt(dir), warning };
  }
  return { code: codeAt(dir) };
}

function codeAt(dir: string): ServerCode {
  return { dir, typescript: existsSync(join(dir, "main.ts")), label: relative(REPO_ROOT, dir) };
}

/** Node arguments that start the server's entry point. */
export function serverCommand(code: ServerCode): string[] {
  return code.typescript
    ? ["--import", TSX_LOADER, join(code.dir, "main.ts")]
    : [join(code.dir, "main.js")];
}

export interface ServerModules {
  stores: Pick<ServerModule, "openSqliteStores" | "openStores">;
  database: Pick<ServerModule, "openDatabase" | "LATEST_SCHEMA_VERSION">;
  ids: Pick<ServerModule, "createIdGenerator">;
  searchIndex: Pick<ServerModule, "WorkspaceSearchIndex">;
  usage: Pick<ServerModule, "topWindowFirstDay">;
}

/**
 * Loads what the bench reuses from the entry point (index) of the server code in `dir`, compiled
 * or sources: the same module `@contacts/server` exports, from the copy the bench runs.
 */
export async function loadServerModules(dir: string): Promise<ServerModules> {
  const typescript = existsSync(join(dir, "main.ts"));
  const entry = pathToFileURL(join(dir, `index.${typescript ? "ts" : "js"}`)).href;
  const server = (await import(entry)) as ServerModule;
  return { stores: server, database: server, ids: server, searchIndex: server, usage: server };
}

function newestSource(dir: string): { path: string; mtime: number } | undefined {
  let newest: { path: string; mtime: number } | undefined;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".ts") || entry.name.endsWith(".test.ts")) continue;
    const path = join(entry.parentPath, entry.name);
    const mtime = statSync(path).mtimeMs;
    if (!newest || mtime > newest.mtime) newest = { path, mtime };
  }
  return newest;
}
