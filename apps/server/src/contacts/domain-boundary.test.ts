/**
 * The domain knows no HTTP: nothing the contacts domain imports, directly or through other
 * modules, is in the HTTP layer, the idempotency feature, a store implementation or a web
 * framework. Adapters import the domain, never the reverse.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "..");
const DOMAIN = join(SRC, "contacts");
/** Folders of src/ the domain may not reach, and packages it may not import. */
const FORBIDDEN_FOLDERS = ["http", "idempotency", "store"];
const FORBIDDEN_PACKAGES = /^(express|express-openapi-validator|better-sqlite3|node:http)(\/|$)/;

/** The module specifiers of a TypeScript file (static imports and re-exports, type-only too). */
export function importsOf(source: string): string[] {
  return [...source.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+["']([^"']+)["']/gms)].map(
    (match) => match[1] as string,
  );
}

/** Every module reachable from `start` through relative imports, with what it imports. */
function importGraph(start: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const pending = [...start];
  for (let file = pending.pop(); file; file = pending.pop()) {
    if (graph.has(file)) continue;
    const specifiers = importsOf(readFileSync(file, "utf8"));
    graph.set(file, specifiers);
    for (const specifier of specifiers) {
      if (specifier.startsWith(".")) {
        pending.push(resolve(dirname(file), specifier).replace(/\.js$/, ".ts"));
      }
    }
  }
  return graph;
}

const domainFiles = readdirSync(DOMAIN)
  .filter((name) => name.endsWith(".ts") && !name.endsWith(".test.ts"))
  .map((name) => join(DOMAIN, name));

describe("the contacts domain", () => {
  it("has modules to check, and the import scanner finds every form of import", () => {
    expect(domainFiles.map((f) => relative(SRC, f))).toContain("contacts/contact-service.ts");
    expect(
      importsOf(
        'import a from "./a.js";\nimport type {\n  B,\n} from "../b.js";\nexport { c } from "./c.js";',
      ),
    ).toEqual(["./a.js", "../b.js", "./c.js"]);
  });

  it("reaches no HTTP, idempotency or store module and no web framework, even indirectly", () => {
    const crossings = [...importGraph(domainFiles)].flatMap(([file, specifiers]) => {
      const here = relative(SRC, file);
      const outside = FORBIDDEN_FOLDERS.some((folder) => here.startsWith(`${folder}/`));
      const packages = specifiers.filter((s) => FORBIDDEN_PACKAGES.test(s));
      return [
        ...(outside ? [`${here} is reached from the domain`] : []),
        ...packages.map((s) => `${here} imports ${s}`),
      ];
    });
    expect(crossings).toEqual([]);
  });
});
