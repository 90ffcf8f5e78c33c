/**
 * The release artifact on a clean machine: `scripts/release.mjs` (what `npm run release` runs)
 * packs the server into a tarball; it is unpacked into an empty folder, installed with
 * `npm ci --omit=dev` from its own manifest and lock (the npm registry, no repository), started
 * with `npm start`, and its admin CLI run with `npm run --silent admin`.
 *
 * better-sqlite3's install script downloads a prebuilt binary where it can and compiles one
 * (minutes) where it cannot. This machine reaches no download host, so the test hands its
 * installer a local prebuilt, made from the checkout's own build of the same version: the
 * install script still runs, and takes the path it takes on a connected machine.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const work = mkdtempSync(join(tmpdir(), "contacts-release-test-"));
const install = join(work, "install");
const KEY = /ck_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/;

/** What npm may keep of this environment: where it finds itself, its cache, config and registry. */
const PASSED = ["PATH", "HOME", "TMPDIR", "LANG", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"].concat(
  ["cache", "userconfig", "registry", "proxy", "https_proxy"].map((name) => `npm_config_${name}`),
);

/**
 * The environment of a shell on the operator's machine: none of the npm, turbo and vitest
 * variables this test runs under (INIT_CWD alone would move the database into the repository).
 */
function npmEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of PASSED) if (process.env[name] !== undefined) env[name] = process.env[name];
  return { ...env, ...extra };
}

let server: { child: ChildProcess; url: string; key: string; out(): string; err(): string };
let exited: Promise<number | string | null>;

beforeAll(async () => {
  const { stdout } = await run(
    process.execPath,
    [join(repo, "scripts/release.mjs"), "--out", join(work, "out")],
    {
      cwd: repo,
    },
  );
  const tarball = stdout.trim();
  mkdirSync(install);
  await run("tar", ["-xzf", tarball, "-C", install, "--strip-components=1"]);
  await run(
    "npm",
    ["ci", "--omit=dev", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"],
    { cwd: install, env: npmEnv(await localPrebuild()), timeout: 300_000 },
  );
  server = await startServer();
}, 360_000);

afterAll(async () => {
  if (server && server.child.exitCode === null) {
    server.child.kill("SIGKILL");
    await exited;
  }
  rmSync(work, { recursive: true, force: true });
});

describe("the release artifact, installed with production dependencies only", () => {
  it("holds the built server, the spec and a lock, and installs no development tool", () => {
    const manifest = JSON.parse(readFileSync(join(install, "package.json"), "utf8")) as {
      bin: Record<string, string>;
      dependencies: Record<string, string>;
    };
    expect(Object.keys(manifest.bin).sort()).toEqual(["contacts-admin", "contacts-server"]);
    expect(Object.keys(manifest.dependencies)).toContain("better-sqlite3");
    for (const file of [
      "npm-shrinkwrap.json",
      "openapi.yaml",
      "LICENSE",
      "README.md",
      "apps/console/dist/index.html",
    ]) {
      expect(existsSync(join(install, file)), file).toBe(true);
    }
    for (const tool of [
      "typescript",
      "tsx",
      "turbo",
      "vitest",
      "vite",
      "@contacts/api-types",
      "@contacts/console",
    ]) {
      expect(existsSync(join(install, "node_modules", tool)), tool).toBe(false);
    }
    expect(existsSync(join(install, "apps/server/src"))).toBe(false);
  });

  it("starts with npm start, answers /healthz, serves its spec, docs and console, and creates a contact", async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const spec = await fetch(`${server.url}/openapi.yaml`);
    expect(await spec.text()).toBe(readFileSync(join(repo, "openapi.yaml"), "utf8"));
    expect((await fetch(`${server.url}/docs`)).status).toBe(200);
    const page = await fetch(`${server.url}/console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    const script = /<script[^>]*\bsrc="([^"]+)"/.exec(await page.text())?.[1];
    expect(script).toMatch(/^\/console\/assets\/.+\.js$/);
    expect((await fetch(`${server.url}${script}`)).status).toBe(200);

    const created = await fetch(`${server.url}/v2/contacts`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.key}`, "content-type": "application/json" },
      body: JSON.stringify({ external_id: "release-jane", tags: ["release"] }),
    });
    expect(created.status).toBe(201);
    const { _id } = (await created.json()) as { _id: string };
    const read = await fetch(`${server.url}/v2/contacts/release-jane`, {
      headers: { authorization: `Bearer ${server.key}` },
    });
    expect(((await read.json()) as { _id: string })._id).toBe(_id);
    // The default database, relative to where npm start ran.
    expect(existsSync(join(install, "data/contacts.db"))).toBe(true);
  });

  it("runs its admin CLI: the key alone on stdout, keys as JSON, a refused typo, its version", async () => {
    const created = await run(
      "npm",
      ["run", "--silent", "admin", "--", "keys", "create", "--workspace", "acme"],
      {
        cwd: install,
        env: npmEnv(),
      },
    );
    expect(created.stdout).toMatch(new RegExp(`^${KEY.source}\\n$`));
    expect(created.stderr).toContain(`database ${join(install, "data/contacts.db")} (default)`);
    const key = created.stdout.trim();
    const listed = await fetch(`${server.url}/v2/contacts`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(listed.status).toBe(200);

    const { stdout } = await run(
      "node",
      ["apps/server/dist/admin/cli.js", "keys", "list", "--json"],
      {
        cwd: install,
        env: npmEnv(),
      },
    );
    const keys = JSON.parse(stdout) as { key_id: string; workspace: string }[];
    expect(keys.map((k) => k.workspace).sort()).toEqual(["acme", "default"]);

    const typo = await run("node", ["apps/server/dist/admin/cli.js", "keys", "list"], {
      cwd: install,
      env: npmEnv({ DATABASE_URL: "./data/contact.db" }),
    }).catch((error: { code: number; stderr: string }) => error);
    expect(typo).toMatchObject({ code: 1 });
    expect(existsSync(join(install, "data/contact.db"))).toBe(false);

    const version = await run("node", ["apps/server/dist/admin/cli.js", "--version"], {
      cwd: install,
    });
    expect(version.stdout).toBe(
      `${JSON.parse(readFileSync(join(install, "package.json"), "utf8")).version}\n`,
    );
  });

  it("stops cleanly on SIGTERM through npm start", async () => {
    server.child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(server.out()).toContain('"msg":"stopped"');
  });
});

/** `npm start` in the release, on an ephemeral port; resolves once it listens. */
async function startServer(): Promise<typeof server> {
  const child = spawn("npm", ["start"], {
    cwd: install,
    env: npmEnv({ HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "info" }),
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  exited = new Promise((done) => child.on("exit", (code, signal) => done(code ?? signal)));
  const url = await new Promise<string>((done, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "listening" line in:\n${out}\n${err}`)),
      30_000,
    );
    const check = () => {
      const line = out.split("\n").find((l) => l.includes('"msg":"listening"'));
      if (!line) return;
      clearTimeout(timer);
      done((JSON.parse(line) as { url: string }).url);
    };
    child.stdout.on("data", check);
    child.on("exit", () => reject(new Error(`npm start exited:\n${out}\n${err}`)));
  });
  // The first-start key is printed right after the listening line.
  for (let i = 0; i < 50 && !KEY.test(err); i++) await new Promise((r) => setTimeout(r, 100));
  const key = KEY.exec(err)?.[0];
  if (!key) throw new Error(`no first-start key in:\n${err}`);
  return { child, url, key, out: () => out, err: () => err };
}

/**
 * A prebuilt better-sqlite3 for prebuild-install to find (`npm_config_<package>_local_prebuilds`),
 * packed as the ones it downloads: the checkout's own build of the same version.
 */
async function localPrebuild(): Promise<NodeJS.ProcessEnv> {
  const source = join(repo, "node_modules/better-sqlite3");
  const { version } = JSON.parse(readFileSync(join(source, "package.json"), "utf8")) as {
    version: string;
  };
  if (!existsSync(join(source, "build/Release/better_sqlite3.node"))) return {};
  const dir = join(work, "prebuilds");
  mkdirSync(dir);
  const { modules } = process.versions;
  const name = `better-sqlite3-v${version}-node-v${modules}-${process.platform}-${process.arch}.tar.gz`;
  await run("tar", ["-czf", join(dir, name), "-C", source, "build/Release/better_sqlite3.node"]);
  return { npm_config_better_sqlite3_local_prebuilds: dir };
}
