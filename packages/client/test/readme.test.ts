/**
 * The README's TypeScript snippets compile, so the docs cannot rot. Each ```ts block is its own
 * module importing `@contacts/client` as a user would; a block that does not make its own
 * `client` gets one declared, as the README's running example.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { packageDir, typeErrors } from "./support/typecheck.js";

const readme = readFileSync(resolve(packageDir, "README.md"), "utf8");
const snippets = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? "");

const PRELUDE = `import type { ContactsClient as ReadmeClient } from "@contacts/client";
declare const client: ReadmeClient;
`;

describe("README.md", () => {
  it("has TypeScript snippets for each topic", () => {
    expect(snippets.length).toBeGreaterThanOrEqual(8);
  });

  it("has only snippets that compile under strict TypeScript", () => {
    const files = Object.fromEntries(
      snippets.map((code, i) => [
        resolve(packageDir, `test/README.snippet-${i + 1}.mts`),
        /\bconst client\b/.test(code) ? code : `${PRELUDE}${code}`,
      ]),
    );
    expect(typeErrors(files)).toEqual([]);
  });
});
