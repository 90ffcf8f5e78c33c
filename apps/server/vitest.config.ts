import { defineConfig } from "vitest/config";
import { POSTGRES_ADMIN_URL, postgresReachable } from "./test/support/postgres-databases.js";

/**
 * The suites that run on both stores (TEST_STORE=postgres in the "postgres" project): everything
 * that goes through the stores. Tests about SQLite files (modes, WAL durability, migrations, list
 * worker threads) and about the HTTP layer alone run once, on SQLite.
 */
const BOTH_STORES = [
  "test/contract.test.ts",
  "test/pagination.test.ts",
  "test/safe-writes.test.ts",
  "test/identities.test.ts",
  "test/contact-fields.test.ts",
  "test/unicode.test.ts",
  "test/usage.test.ts",
  "test/usage-durability.test.ts",
  "test/filtered-list-fairness.test.ts",
  "test/database-busy.test.ts",
  "test/usage-top-fairness.test.ts",
  "test/bulk-http.test.ts",
  "test/workspace-isolation.test.ts",
  "test/http-conventions.test.ts",
  "test/operability.test.ts",
  "test/orq-sdk-compat.test.ts",
  "test/orq-sdk-v4-compat.test.ts",
  "test/sdk/contacts.test.ts",
  "test/sdk/errors.test.ts",
  "test/sdk/identities.test.ts",
  "test/sdk/usage.test.ts",
  "test/property/*.test.ts",
];
/** Tests of the PostgreSQL store itself, and of replicas (which need a shared database). */
const POSTGRES_ONLY = ["src/store/postgres/**/*.test.ts", "test/replicas/**/*.test.ts"];

const postgres = await postgresReachable();
if (!postgres) {
  const message = `PostgreSQL is not reachable at ${POSTGRES_ADMIN_URL} (TEST_POSTGRES_URL): the PostgreSQL runs of the suites are SKIPPED`;
  // CI must run them: there a missing PostgreSQL is a failure, not a skip.
  if (process.env.CI) throw new Error(`${message}; CI needs them`);
  console.warn(`\n\x1b[33m!!! ${message} !!!\x1b[0m\n`);
}

export default defineConfig({
  test: {
    testTimeout: 30_000,
    // A PostgreSQL test server creates its database first: on a busy machine that takes seconds.
    hookTimeout: 30_000,
    projects: [
      {
        extends: true as const,
        test: {
          name: "sqlite",
          include: ["src/**/*.test.ts", "test/**/*.test.ts"],
          exclude: POSTGRES_ONLY,
          env: { TEST_STORE: "sqlite" },
        },
      },
      ...(postgres
        ? [
            {
              extends: true as const,
              test: {
                name: "postgres",
                include: [...BOTH_STORES, ...POSTGRES_ONLY],
                env: { TEST_STORE: "postgres" },
              },
            },
          ]
        : []),
    ],
  },
});
