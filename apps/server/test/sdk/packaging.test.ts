/**
 * The packed packages work for their users, whatever their module system: `npm pack`
 * @contacts/api-types and @contacts/client (their dist/, built by turbo before the tests), install
 * the tarballs once into a scratch project, and use them from there as ESM (TypeScript with
 * `nodenext` and with `bundler` resolution), as CommonJS (`require` with require(esm) turned
 * off, TypeScript `module: commonjs` and `node16`), and in a browser bundle (esbuild,
 * `platform: browser`). The programs that run talk to a real server.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/test-server.js";

const run = promisify(execFile);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
const tsc = join(repo, "node_modules/.bin/tsc");
const work = mkdtempSync(join(tmpdir(), "contacts-pack-"));
const project = join(work, "project");
let server: TestServer;
let types: Packed;
let client: Packed;

interface Packed {
  tarball: string;
  files: string[];
  manifest: Record<string, unknown>;
}

beforeAll(async () => {
  server = await startTestServer();
  [types, client] = [await pack("api-types"), await pack("client")];
  mkdirSync(project);
  writeJson(join(project, "package.json"), { name: "scratch", private: true });
  await run(
    "npm",
    ["install", "--prefer-offline", "--no-audit", "--no-fund", types.tarball, client.tarball],
    { cwd: project },
  );
  const ws = await server.workspace();
  config = {
    baseUrl: server.baseUrl,
    apiKey: ws.apiKey,
    run: `pack-${Date.now()}`,
  };
}, 120_000);

afterAll(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

let config: { baseUrl: string; apiKey: string; run: string };

/** Packs `packages/<name>` as npm would publish it (its build is already in dist/). */
async function pack(name: string): Promise<Packed> {
  const source = join(repo, "packages", name);
  const { stdout } = await run(
    "npm",
    ["pack", "--ignore-scripts", "--json", "--pack-destination", work],
    { cwd: source },
  );
  const [info] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
  return {
    tarball: join(work, info.filename),
    files: info.files.map((f) => f.path).sort(),
    manifest: JSON.parse(readFileSync(join(source, "package.json"), "utf8")),
  };
}

/** A folder of the scratch project: its own package.json type and tsconfig, sharing node_modules. */
function variant(name: string, type: "module" | "commonjs", files: Record<string, string>) {
  const dir = join(project, name);
  mkdirSync(dir, { recursive: true });
  writeJson(join(dir, "package.json"), { name: `scratch-${name}`, private: true, type });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

/** Strict compiler options of a browser-like user: no @types/node, the packages' .d.ts checked. */
function tsconfig(module: string, moduleResolution: string, extra: Record<string, unknown> = {}) {
  return `${JSON.stringify({
    compilerOptions: {
      strict: true,
      noUncheckedIndexedAccess: true,
      module,
      moduleResolution,
      target: "ES2022",
      lib: ["ES2023", "DOM"],
      types: [],
      skipLibCheck: false,
      ...extra,
    },
    include: ["*.ts"],
  })}\n`;
}

async function compile(dir: string): Promise<void> {
  await run(tsc, ["-p", dir], { cwd: dir }).catch((error: { stdout?: string }) => {
    throw new Error(`tsc failed in ${dir}:\n${error.stdout}`);
  });
}

const configModule = () =>
  `export const baseUrl = ${JSON.stringify(config.baseUrl)};\n` +
  `export const apiKey = ${JSON.stringify(config.apiKey)};\n` +
  `export const run = ${JSON.stringify(config.run)};\n`;

/** A user's ESM script: strict TypeScript importing the package by its name. */
const ESM_USER = `
import { ConflictError, type Contact, createContactsClient, NotFoundError } from "@contacts/client";
import { apiKey, baseUrl, run } from "./config.js";

const client = createContactsClient({ baseUrl, apiKey });

const jane: Contact = await client.contacts.create({
  external_id: \`\${run}-jane\`,
  display_name: "Jane Smith",
  tags: ["premium"],
});

const tag = \`\${run}-batch\`;
for (let i = 0; i < 25; i++) {
  await client.contacts.create({ external_id: \`\${run}-\${i}\`, tags: [tag] });
}
const first = await client.contacts.list({ tags: [tag], limit: 10 });
const iterated: string[] = [];
for await (const contact of client.contacts.list({ tags: [tag], limit: 10 })) {
  iterated.push(contact.external_id);
}

let conflict: { code: string | undefined; existingId: string | undefined } | undefined;
try {
  await client.contacts.create({ external_id: jane.external_id });
} catch (error) {
  if (!(error instanceof ConflictError)) throw error;
  conflict = { code: error.code, existingId: error.existingId };
}

await client.contacts.delete(jane._id);
let notFound: { status: number; code: string | undefined } | undefined;
try {
  await client.contacts.retrieve(jane._id);
} catch (error) {
  if (!(error instanceof NotFoundError)) throw error;
  notFound = { status: error.status, code: error.code };
}

console.log(JSON.stringify({
  created: jane._id,
  firstPage: { size: first.data.length, hasMore: first.has_more },
  iterated,
  conflict,
  notFound,
}));
`;

/** A CommonJS user in TypeScript: the same names, compiled to require(). */
const CJS_USER = (suffix: string) => `
import { type Contact, createContactsClient, NotFoundError } from "@contacts/client";
import type { ErrorCode } from "@contacts/api-types";
import { apiKey, baseUrl, run } from "./config";

const client = createContactsClient({ baseUrl, apiKey });

/** Never called: proves the types were found (with \`any\`, the directive would be unused). */
export function typed(): void {
  // @ts-expect-error external_id is a string
  void client.contacts.create({ external_id: 1 });
}

async function main(): Promise<void> {
  const created: Contact = await client.contacts.create({ external_id: \`\${run}-${suffix}\` });
  let code: ErrorCode | undefined;
  try {
    await client.contacts.retrieve(\`\${run}-${suffix}-nobody\`);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    code = error.code;
  }
  console.log(JSON.stringify({ created: created.external_id, notFound: code }));
}

main().catch((error: unknown) => {
  console.error(error);
  throw error;
});
`;

/** Runs a CommonJS program with require(esm) off, as on Node < 20.19 or for Jest. */
async function runCommonJs(dir: string, file: string): Promise<unknown> {
  const { stdout } = await run("node", ["--no-experimental-require-module", file], { cwd: dir });
  return JSON.parse(stdout);
}

// Each case runs tsc or node on a scratch project: slow on a busy two-core machine, hence the timeout.
describe("the packed packages", { timeout: 120_000 }, () => {
  it("publish their dual build, README, CHANGELOG and LICENSE, under MIT, with versions that move together", () => {
    const published = [
      "CHANGELOG.md",
      "LICENSE",
      "README.md",
      "dist/index.cjs",
      "dist/index.d.cts",
      "dist/index.d.ts",
      "dist/index.js",
      "package.json",
    ];
    expect(types.files).toEqual(published);
    expect(client.files).toEqual(published);
    const rootLicense = readFileSync(join(repo, "LICENSE"), "utf8");
    for (const name of ["api-types", "client"]) {
      expect(readFileSync(join(repo, "packages", name, "LICENSE"), "utf8")).toBe(rootLicense);
    }
    const server = JSON.parse(readFileSync(join(repo, "apps/server/package.json"), "utf8"));
    for (const { manifest } of [types, client]) {
      expect(manifest.license).toBe("MIT");
      expect(manifest.version).toBe(server.version);
    }
    expect(client.manifest.dependencies).toMatchObject({
      "@contacts/api-types": types.manifest.version,
    });
    expect(client.manifest.exports).toEqual({
      ".": {
        import: { types: "./dist/index.d.ts", default: "./dist/index.js" },
        require: { types: "./dist/index.d.cts", default: "./dist/index.cjs" },
      },
      "./package.json": "./package.json",
    });
    expect(types.manifest.exports).toEqual(client.manifest.exports);
  });

  it("ESM, moduleResolution nodenext: a strict TypeScript user compiles and runs against the server", async () => {
    const dir = variant("esm-nodenext", "module", {
      "config.ts": configModule(),
      "main.ts": ESM_USER,
      "tsconfig.json": tsconfig("NodeNext", "NodeNext"),
    });
    await compile(dir);
    const { stdout } = await run("node", ["main.js"], { cwd: dir });
    const result = JSON.parse(stdout) as {
      created: string;
      firstPage: { size: number; hasMore: boolean };
      iterated: string[];
      conflict: { code: string; existingId: string };
      notFound: { status: number; code: string };
    };
    expect(result.created).toMatch(/^contact_/);
    expect(result.firstPage).toEqual({ size: 10, hasMore: true });
    expect(result.iterated).toHaveLength(25);
    expect(new Set(result.iterated).size).toBe(25);
    expect(result.conflict).toEqual({ code: "external_id_conflict", existingId: result.created });
    expect(result.notFound).toEqual({ status: 404, code: "not_found" });
  });

  it("ESM, moduleResolution bundler: the same user typechecks", async () => {
    const dir = variant("esm-bundler", "module", {
      "config.ts": configModule(),
      "main.ts": ESM_USER,
      "tsconfig.json": tsconfig("ESNext", "Bundler", { noEmit: true }),
    });
    await compile(dir);
  });

  it("CommonJS: require() works with require(esm) turned off, classes and all", async () => {
    const dir = variant("cjs-require", "commonjs", {
      "main.js": `
const { createContactsClient, NotFoundError, ApiError } = require("@contacts/client");
require("@contacts/api-types");
const { baseUrl, apiKey, run } = ${JSON.stringify(config)};
const client = createContactsClient({ baseUrl, apiKey });
(async () => {
  const created = await client.contacts.create({ external_id: run + "-require" });
  const error = await client.contacts.retrieve(run + "-require-nobody").catch((e) => e);
  console.log(JSON.stringify({
    created: created.external_id,
    notFound: error instanceof NotFoundError && error instanceof ApiError ? error.code : String(error),
  }));
})().catch((error) => { console.error(error); process.exitCode = 1; });
`,
    });
    expect(await runCommonJs(dir, "main.js")).toEqual({
      created: `${config.run}-require`,
      notFound: "not_found",
    });
  });

  it.each([
    ["module commonjs", "CommonJS", "Node10"],
    ["module node16", "Node16", "Node16"],
  ])(
    "CommonJS, TypeScript %s: a strict user compiles to require() and runs",
    async (_name, module, resolution) => {
      const suffix = module.toLowerCase();
      const dir = variant(`cjs-${suffix}`, "commonjs", {
        "config.ts": configModule(),
        "main.ts": CJS_USER(suffix),
        "tsconfig.json": tsconfig(module, resolution),
      });
      await compile(dir);
      expect(readFileSync(join(dir, "main.js"), "utf8")).toContain('require("@contacts/client")');
      expect(await runCommonJs(dir, "main.js")).toEqual({
        created: `${config.run}-${suffix}`,
        notFound: "not_found",
      });
    },
  );

  it("browser: esbuild bundles the client for platform browser, with no Node built-in", async () => {
    const dir = variant("browser", "module", {
      "entry.ts": `
import { createContactsClient, NotFoundError } from "@contacts/client";
const client = createContactsClient({ baseUrl: location.origin, apiKey: "ck_example" });
export async function names(): Promise<string[]> {
  const page = await client.contacts.list({ limit: 5 }).catch((error: unknown) => {
    if (error instanceof NotFoundError) return { data: [] };
    throw error;
  });
  return page.data.map((contact) => contact.external_id);
}
`,
    });
    const result = await build({
      entryPoints: [join(dir, "entry.ts")],
      absWorkingDir: dir,
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toContain("../node_modules/@contacts/client/dist/index.js");
    expect(inputs.filter((input) => input.startsWith("node:"))).toEqual([]);
    const code = result.outputFiles[0]?.text ?? "";
    expect(code).toContain("createContactsClient");
    expect(code).not.toMatch(/["']node:|\brequire\(/);
  });
});

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}
