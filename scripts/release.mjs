// `npm run release [-- --out <dir>]`: the server as a tarball an operator installs with only Node
// (`npm ci --omit=dev` inside it, then `npm start`). It holds the server compiled afresh from
// apps/server/src, openapi.yaml, and the manifest of its production dependencies: package.json
// and npm-shrinkwrap.json (the lock npm keeps inside a package), cut from the repository's
// package-lock.json so that the versions installed are the ones the tests ran against. The
// tarball mirrors the repository's layout (apps/server/dist beside openapi.yaml and the web
// console's built files in apps/console/dist), so the server finds them where it does in a
// checkout.
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, posix, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = fileURLToPath(new URL("..", import.meta.url));
const SERVER = "apps/server";
/** The web console, built by Vite (`npm run build`); static files the server serves at /console. */
const CONSOLE_DIST = "apps/console/dist";
const BINS = {
  "contacts-server": `${SERVER}/dist/main.js`,
  "contacts-admin": `${SERVER}/dist/admin/cli.js`,
};

/**
 * Workspace packages the server may import lazily (`import("…")`) for a feature that refuses with
 * a clear message when the package is missing: the admin CLI's import/export through --url uses
 * the client, which a release does not carry.
 */
const OPTIONAL_AT_RUN_TIME = new Set(["@contacts/client"]);

const { values } = parseArgs({ options: { out: { type: "string", default: "release" } } });
// biome-ignore lint/suspicious/noUndeclaredEnvVars: not a turbo task; npm sets INIT_CWD to where it was run
const outDir = resolve(process.env.INIT_CWD || process.cwd(), values.out);
const stage = mkdtempSync(join(tmpdir(), "contacts-release-"));
try {
  const tarball = release(stage, outDir);
  process.stdout.write(`${tarball}\n`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}

/** Builds the package in `stage` and packs it into `outDir`; returns the tarball's path. */
function release(stage, outDir) {
  const readJson = (path) => JSON.parse(readFileSync(join(root, path), "utf8"));
  const rootManifest = readJson("package.json");
  const server = readJson(`${SERVER}/package.json`);
  const lock = readJson("package-lock.json");

  compileServer(join(stage, SERVER, "dist"));
  for (const bin of Object.values(BINS)) chmodSync(join(stage, bin), 0o755);
  const imported = workspaceImports(join(stage, SERVER, "dist"));
  if (imported.length > 0) {
    // Workspace packages are not on the registry: the release could not install them.
    fail(`the built server imports ${imported.join(", ")} at run time; bundle it or publish it`);
  }

  // The server's version is the release's; @contacts/* dependencies are type-only (checked above).
  const dependencies = Object.fromEntries(
    Object.entries(server.dependencies).filter(([name]) => !isWorkspace(lock, name)),
  );
  const manifest = {
    name: "contacts-server",
    version: server.version,
    description: server.description,
    license: server.license,
    private: true,
    type: "module",
    bin: BINS,
    files: [
      `${SERVER}/dist`,
      `${SERVER}/package.json`,
      CONSOLE_DIST,
      "openapi.yaml",
      "npm-shrinkwrap.json",
    ],
    // exec: npm passes SIGTERM to the shell it starts, which would not pass it on.
    scripts: {
      start: `exec node ${BINS["contacts-server"]}`,
      admin: `exec node ${BINS["contacts-admin"]}`,
    },
    engines: rootManifest.engines,
    dependencies,
  };
  const packages = productionLock(lock, `${SERVER}`, dependencies);
  const allowScripts = Object.fromEntries(
    Object.entries(rootManifest.allowScripts ?? {}).filter(([name]) =>
      Object.hasOwn(packages, `node_modules/${name}`),
    ),
  );
  if (Object.keys(allowScripts).length > 0) manifest.allowScripts = allowScripts;

  writeJson(join(stage, "package.json"), manifest);
  writeJson(join(stage, "npm-shrinkwrap.json"), {
    name: manifest.name,
    version: manifest.version,
    lockfileVersion: 3,
    requires: true,
    packages: {
      "": {
        name: manifest.name,
        version: manifest.version,
        license: manifest.license,
        dependencies,
        bin: BINS,
        engines: manifest.engines,
      },
      ...packages,
    },
  });
  // The server reads its version from here (src/version.ts), as in a checkout.
  writeJson(join(stage, SERVER, "package.json"), {
    name: server.name,
    version: server.version,
    private: true,
    type: "module",
  });
  copyFileSync(join(root, "openapi.yaml"), join(stage, "openapi.yaml"));
  // The console as built (npm run release builds it first, with the server's dependencies).
  if (!existsSync(join(root, CONSOLE_DIST, "index.html"))) {
    fail(`${CONSOLE_DIST} is not built: run \`npm run build\` first`);
  }
  cpSync(join(root, CONSOLE_DIST), join(stage, CONSOLE_DIST), { recursive: true });
  copyFileSync(join(root, "LICENSE"), join(stage, "LICENSE"));
  writeFileSync(join(stage, "README.md"), releaseReadme(manifest));

  mkdirSync(outDir, { recursive: true });
  const packed = run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", outDir], {
    cwd: stage,
  });
  const [{ filename }] = JSON.parse(packed);
  return join(outDir, filename);
}

/** tsc on the server's build config, into `outDir`: JavaScript only, no maps or declarations. */
function compileServer(outDir) {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  run(
    process.execPath,
    [tsc, "-p", `${SERVER}/tsconfig.build.json`, "--outDir", outDir].concat([
      "--sourceMap",
      "false",
      "--declaration",
      "false",
    ]),
    { cwd: root },
  );
}

/** The @contacts/* packages that the compiled JavaScript imports at run time. */
function workspaceImports(dir) {
  const found = new Set();
  for (const entry of readdirSync(dir, { recursive: true })) {
    if (!entry.endsWith(".js")) continue;
    const code = readFileSync(join(dir, entry), "utf8");
    for (const match of code.matchAll(
      /\bfrom\s+["'](@contacts\/[^"'/]+)|import\(\s*["'](@contacts\/[^"'/]+)/g,
    )) {
      const name = match[1] ?? match[2];
      // Loaded lazily by one optional feature that says what it needs when missing.
      if (match[2] && OPTIONAL_AT_RUN_TIME.has(name)) continue;
      found.add(name);
    }
  }
  return [...found];
}

function isWorkspace(lock, name) {
  return lock.packages[`node_modules/${name}`]?.link === true;
}

/**
 * The entries of the repository's lock that `dependencies`, required from `from`, need: each one
 * found as Node finds it (the nearest node_modules up from the requiring package), then their own
 * dependencies, optional ones where the lock has them and peers (npm installs peers). Entries
 * under `from`'s own node_modules move to the top, where the release installs them.
 */
function productionLock(lock, from, dependencies) {
  const out = {};
  const seen = new Set();
  const queue = Object.keys(dependencies).map((name) => [from, name, false]);
  while (queue.length > 0) {
    const [location, name, optional] = queue.shift();
    const key = locate(lock, location, name);
    if (!key) {
      if (optional) continue;
      fail(`${name}, needed by ${location || "the server"}, is not in package-lock.json`);
    }
    if (seen.has(key)) continue;
    seen.add(key);
    const entry = { ...lock.packages[key] };
    if (entry.link) fail(`${name} is a workspace package; the release cannot install it`);
    if (entry.devOptional) entry.optional = true;
    delete entry.dev;
    delete entry.devOptional;
    const target = key.startsWith(`${from}/`) ? key.slice(from.length + 1) : key;
    if (out[target]) fail(`two versions of ${name} would land at ${target}`);
    out[target] = entry;
    for (const dep of Object.keys(entry.dependencies ?? {})) queue.push([key, dep, false]);
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) queue.push([key, dep, true]);
    for (const dep of Object.keys(entry.peerDependencies ?? {})) {
      queue.push([key, dep, entry.peerDependenciesMeta?.[dep]?.optional === true]);
    }
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** The lock key Node's resolution finds for `name` required from the package at `location`. */
function locate(lock, location, name) {
  let dir = location;
  for (;;) {
    const key = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (lock.packages[key]) return key;
    if (!dir) return undefined;
    dir = posix.dirname(dir);
    if (dir === ".") dir = "";
    if (posix.basename(dir) === "node_modules") dir = posix.dirname(dir);
    if (dir === ".") dir = "";
    // A scoped package lives at node_modules/@scope/name: step over the scope folder too.
    if (posix.basename(dir).startsWith("@")) dir = posix.dirname(posix.dirname(dir));
    if (dir === ".") dir = "";
  }
}

function releaseReadme(manifest) {
  return `# ${manifest.name} ${manifest.version}

The Contacts API server, built. Needs Node.js ${manifest.engines.node.replace(">=", "")} or newer
and npm; nothing else of the repository.

\`\`\`sh
npm ci --omit=dev                                  # production dependencies, as locked
npm start                                          # serves on 0.0.0.0:3000, data in ./data/contacts.db
npm run --silent admin -- keys create --workspace acme   # prints only the new key
\`\`\`

The web console is at \`/console\` (sign in with a key), the API docs at \`/docs\`.

better-sqlite3 downloads a prebuilt binary for your platform, or compiles one (python3, make and
a C++ compiler) where it cannot. Configuration (HOST, PORT, DATABASE_URL, LOG_LEVEL, …) is read
from the environment, as documented in the repository's README. The entry points are
${Object.values(manifest.bin).join(" and ")} (\`${Object.keys(manifest.bin).join("` and `")}\`).
`;
}

function run(command, args, options) {
  const result = spawnSync(command, args, { ...options, encoding: "utf8" });
  if (result.status !== 0) {
    fail(`${command} ${args.join(" ")} failed:\n${result.stdout}${result.stderr}`);
  }
  return result.stdout;
}

function writeJson(path, value) {
  mkdirSync(resolve(path, ".."), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

function fail(message) {
  process.stderr.write(`release: ${message}\n`);
  process.exit(1);
}
