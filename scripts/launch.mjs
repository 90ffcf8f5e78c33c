// `npm start` and `npm run admin`: in a checkout with its dev dependencies, turbo first builds
// what the server needs (its output on stderr, so stdout stays the program's own: `npm run
// --silent admin -- keys create` prints only the key). In a production install (dev dependencies
// pruned, so no turbo) the build that is there runs as it is.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const ENTRIES = { server: "apps/server/dist/main.js", admin: "apps/server/dist/admin/cli.js" };
const [name, ...args] = process.argv.slice(2);
if (!Object.hasOwn(ENTRIES, name)) {
  process.stderr.write(`usage: node scripts/launch.mjs ${Object.keys(ENTRIES).join("|")} [args]\n`);
  process.exit(2);
}
const root = fileURLToPath(new URL("..", import.meta.url));
const entry = fileURLToPath(new URL(`../${ENTRIES[name]}`, import.meta.url));

const turbo = resolveTurbo();
if (turbo) {
  const build = spawnSync(
    process.execPath,
    [turbo, "run", "build", "--filter=@contacts/server...", "--output-logs=errors-only"],
    {
      cwd: root,
      stdio: ["ignore", process.stderr, process.stderr],
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" },
    },
  );
  if (build.status !== 0) process.exit(build.status ?? 1);
} else if (!existsSync(entry)) {
  process.stderr.write(
    `${ENTRIES[name]} is not built and turbo (a dev dependency) is not installed: ` +
      "run `npm ci && npm run build` first (then `npm prune --omit=dev` if you like)\n",
  );
  process.exit(1);
}

// The entry reads its arguments from process.argv, as when started as `node <entry> ...args`.
process.argv = [process.argv[0], entry, ...args];
await import(pathToFileURL(entry).href);

function resolveTurbo() {
  try {
    return createRequire(import.meta.url).resolve("turbo/bin/turbo");
  } catch {
    return undefined;
  }
}
