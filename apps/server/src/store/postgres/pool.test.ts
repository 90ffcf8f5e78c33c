// The pool's settings reach every connection: the statement timeout is the backstop of any
// query's cost, and a transaction rolls back on a throw.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../../test/support/postgres-databases.js";
import { inTransaction, openPool, type Pool, sqlStateOf } from "./pool.js";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: Pool;

beforeAll(async () => {
  database = await createTestDatabase({ migrated: false });
  pool = openPool(database.url, {
    poolSize: 2,
    statementTimeoutMs: 200,
    connectTimeoutMs: 5000,
    idleTimeoutMs: 1000,
  });
  await pool.query("CREATE TABLE t (x int)");
});
afterAll(async () => {
  await pool.end();
  await database.drop();
});

describe("the PostgreSQL pool", () => {
  it("cancels a statement past PG_STATEMENT_TIMEOUT_MS (query_canceled), on every connection", async () => {
    const slow = () => pool.query("SELECT pg_sleep(2)");
    const outcomes = await Promise.allSettled([slow(), slow(), slow()]);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe("rejected");
      if (outcome.status === "rejected") expect(sqlStateOf(outcome.reason)).toBe("57014");
    }
    // The connections are fine afterwards.
    expect((await pool.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
  });

  it("rolls a transaction back when its work throws, and commits when it resolves", async () => {
    await expect(
      inTransaction(pool, async ({ client }) => {
        await client.query("INSERT INTO t VALUES (1)");
        throw new Error("refused");
      }),
    ).rejects.toThrow("refused");
    await inTransaction(pool, async ({ client }) => {
      await client.query("INSERT INTO t VALUES (2)");
    });
    expect((await pool.query("SELECT x FROM t")).rows).toEqual([{ x: 2 }]);
  });
});
