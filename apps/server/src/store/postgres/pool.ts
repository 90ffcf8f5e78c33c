// The connection pool of the PostgreSQL store, and a transaction helper over it.
import pg from "pg";
import { DEFAULT_POSTGRES_SETTINGS, type PostgresSettings } from "../../config.js";
import type { StoreTransaction } from "../../contacts/contact-store.js";

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

/** int8 (bigint) as a JS number: the store keeps ms timestamps and counts well below 2^53. */
const types = new pg.TypeOverrides();
types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));
types.setTypeParser(pg.types.builtins.NUMERIC, (value: string) => Number(value));

/** Opens a pool on `url`; every connection gets the statement timeout, the backstop of each query. */
export function openPool(
  url: string,
  settings: PostgresSettings = DEFAULT_POSTGRES_SETTINGS,
): Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: settings.poolSize,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    idleTimeoutMillis: settings.idleTimeoutMs,
    statement_timeout: settings.statementTimeoutMs,
    application_name: "contacts",
    types,
  });
  // An idle connection that dies (a server restart) is dropped from the pool; the next query
  // opens a new one. Without a listener the error would crash the process.
  pool.on("error", () => undefined);
  return pool;
}

/** A PostgreSQL transaction, as a store hands it to another store (see StoreTransaction). */
export interface PostgresTransaction extends StoreTransaction {
  readonly store: "postgres";
  readonly client: PoolClient;
}

/** The connection of a transaction another store began; refuses one of another kind. */
export function clientOf(transaction: StoreTransaction): PoolClient {
  if (transaction.store !== "postgres") {
    throw new Error(`a PostgreSQL store cannot join a ${transaction.store} transaction`);
  }
  return (transaction as PostgresTransaction).client;
}

/** A pooled connection checked out for several statements; `release` gives it back. */
export interface CheckedOut {
  client: PoolClient;
  /** Back to the pool, or destroyed when given an error or when the connection was lost. */
  release(error?: Error): void;
}

/**
 * Checks out a connection for several statements. While checked out it has none of the pool's
 * listeners: a connection that dies between two statements (a failover, a network cut) would
 * emit 'error' with no listener and crash the process. Kept here instead, it destroys the
 * connection on release; the statement that needed it fails on its own.
 */
export async function checkOut(pool: Pool): Promise<CheckedOut> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost = error;
  };
  client.on("error", onError);
  return {
    client,
    release(error) {
      client.off("error", onError);
      client.release(error ?? lost);
    },
  };
}

/**
 * Runs `work` in a transaction on one pooled connection: committed when it resolves, rolled back
 * when it throws. A connection whose rollback failed is destroyed, not returned to the pool.
 */
export async function inTransaction<T>(
  pool: Pool,
  work: (transaction: PostgresTransaction) => Promise<T>,
  begin = "BEGIN",
): Promise<T> {
  const { client, release } = await checkOut(pool);
  let broken: Error | undefined;
  try {
    await client.query(begin);
    const result = await work({ store: "postgres", client });
    await client.query("COMMIT");
    return result;
  } catch (error) {
    try {
      await client.query("ROLLBACK");
    } catch (rollbackError) {
      broken = rollbackError as Error;
    }
    throw error;
  } finally {
    release(broken);
  }
}

/** The SQLSTATE of a PostgreSQL error, if it is one. */
export function sqlStateOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}
