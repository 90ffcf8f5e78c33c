// The published build: one ESM (index.js + index.d.ts) and one CommonJS (index.cjs + index.d.cts)
// file each, so `import` and `require` both get code and types of their own module system.
import { defineConfig, type Options } from "tsup";

const shared = {
  entry: ["src/index.ts"],
  tsconfig: "tsconfig.build.json",
  outDir: "dist",
  // Browsers and Node 20 alike.
  platform: "neutral",
  target: "es2022",
} satisfies Options;

export default defineConfig([
  // ESM imports its dependencies (openapi-fetch) by name. Its declarations, bundled into one file
  // that imports only packages by name, are the CommonJS ones too: the build script copies them
  // to index.d.cts (a second declaration build would write the same bytes, in twice the time).
  { ...shared, format: "esm", dts: true },
  // openapi-fetch's CommonJS build keeps createClient on `exports.default`, which esbuild reads as
  // Node would for a "type": "module" source (the whole exports object), so a require() of it
  // gets no function. The CommonJS build takes openapi-fetch's ESM code in instead (same version).
  { ...shared, format: "cjs", noExternal: ["openapi-fetch"] },
]);
