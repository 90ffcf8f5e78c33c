/**
 * The packed client works for a user: `npm pack` @contacts/api-types and @contacts/client (built
 * afresh from src/ into a temp folder, so the repo's dist/ is never touched while other tests
 * import it), install the tarballs into a scratch project, compile a strict TypeScript script
 * there with no Node types, and run it against a real server.
 */
import { execFile } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/test-server.js";

const run = promisify(execFile);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
const tsc = join(repo, "node_modules/.bin/tsc");
const work = mkdtempSync(join(tmpdir(), "contacts-pack-"));
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

interface Packed {
  tarball: string;
  files: string[];
}

/** Builds `packages/<name>` into a staging folder and packs it as npm would publish it. */
async function pack(name: string, paths: Record<string, string[]> = {}): Promise<Packed> {
  const source = join(repo, "packages", name);
  const stage = join(work, "stage", name);
  mkdirSync(stage, { recursive: true });
  for (const file of ["package.json", "README.md"]) {
    if (existsSync(join(source, file))) copyFileSync(join(source, file), join(stage, file));
  }
  writeJson(join(stage, "tsconfig.json"), {
    extends: join(source, "tsconfig.build.json"),
    compilerOptions: { outDir: "./dist", paths },
  });
  await run(tsc, ["-p", stage], { cwd: stage });
  const { stdout } = await run(
    "npm",
    ["pack", "--ignore-scripts", "--json", "--pack-destination", work],
    { cwd: stage },
  );
  const [info] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
  return { tarball: join(work, info.filename), files: info.files.map((f) => f.path).sort() };
}

/** A user's script: strict TypeScript importing the package by its name. */
const USER_SCRIPT = `
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

describe("the packed client", () => {
  it("installs from its tarball and serves a strict TypeScript user against the server", async () => {
    const types = await pack("api-types");
    const client = await pack("client", {
      "@contacts/api-types": [join(work, "stage/api-types/dist/index.d.ts")],
    });

    // Only the build, the README and package.json are published; no Node built-ins in the JS.
    expect(client.files.filter((f) => !f.startsWith("dist/"))).toEqual([
      "README.md",
      "package.json",
    ]);
    expect(client.files).toContain("dist/index.d.ts");
    expect(types.files).toContain("dist/generated/schema.d.ts");
    const stagedJs = client.files.filter((f) => f.endsWith(".js"));
    for (const file of stagedJs) {
      const code = readFileSync(join(work, "stage/client", file), "utf8");
      expect(code, file).not.toMatch(/from "node:|require\(|\bprocess\./);
    }

    const project = join(work, "project");
    mkdirSync(project);
    writeJson(join(project, "package.json"), { name: "scratch", private: true, type: "module" });
    await run(
      "npm",
      ["install", "--prefer-offline", "--no-audit", "--no-fund", types.tarball, client.tarball],
      { cwd: project },
    );
    const ws = await server.workspace();
    writeFileSync(
      join(project, "config.ts"),
      `export const baseUrl = ${JSON.stringify(server.baseUrl)};\n` +
        `export const apiKey = ${JSON.stringify(ws.apiKey)};\n` +
        `export const run = "pack-${Date.now()}";\n`,
    );
    writeFileSync(join(project, "main.ts"), USER_SCRIPT);
    writeJson(join(project, "tsconfig.json"), {
      compilerOptions: {
        strict: true,
        noUncheckedIndexedAccess: true,
        module: "NodeNext",
        moduleResolution: "NodeNext",
        target: "ES2022",
        // A browser-like project: no @types/node, and the package's own .d.ts files checked too.
        lib: ["ES2023", "DOM"],
        types: [],
        skipLibCheck: false,
      },
      include: ["*.ts"],
    });
    await run(tsc, ["-p", project], { cwd: project }).catch((error: { stdout?: string }) => {
      throw new Error(`tsc failed in the scratch project:\n${error.stdout}`);
    });

    const { stdout } = await run("node", ["main.js"], { cwd: project });
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
  }, 120_000);
});

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}
