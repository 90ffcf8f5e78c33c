// Regenerates src/generated/schema.ts from the repository's openapi.yaml.
// Run through `npm run generate`; CI fails when the committed output is stale.
import { writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";

const here = dirname(fileURLToPath(import.meta.url));
const specPath = resolve(here, "../../../openapi.yaml");
const outPath = resolve(here, "../src/generated/schema.ts");

const HEADER = `/**
 * DO NOT EDIT. This file is generated from openapi.yaml by openapi-typescript.
 * Change openapi.yaml, then run \`npm run generate\` at the repository root.
 */

`;

const ast = await openapiTS(pathToFileURL(specPath), {
  alphabetize: false,
  exportType: false,
  rootTypes: false,
});
writeFileSync(outPath, HEADER + astToString(ast));
console.log(`generated ${outPath}`);
