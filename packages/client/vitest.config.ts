import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The type and README tests run the TypeScript compiler: seconds, more on a busy machine.
    testTimeout: 60_000,
  },
});
