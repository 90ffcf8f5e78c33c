// The published build: one ESM (index.js + index.d.ts) and one CommonJS (index.cjs + index.d.cts)
// file each, so `import` and `require` both get code and types of their own module system.
import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  dts: true,
  tsconfig: "tsconfig.build.json",
  outDir: "dist",
  clean: true,
  // Browsers and Node 20 alike; dependencies stay external (imported, not bundled).
  platform: "neutral",
  target: "es2022",
});
