// Throwaway PostgreSQL databases for tests: each test server gets its own, copied from a template
// that is migrated once per schema (a copy takes milliseconds; migrating takes longer), and
// dropped when the server closes.
import { createHash, randomBytes } from "node:crypto";
import pg from "pg";
import { migratePostgres } from "../../src/store/postgres/migrate.js";
import { POSTGRES_MIGRATIONS } from "../../src/store/postgres/migrations.js";
import { openPool } from "../../src/store/postgres/pool.js";

/** A database of this server to connect to for CREATE/DROP DATABASE (TEST_POSTGRES_URL). */
export const POSTGRES_ADMIN_URL =
  process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** Names of the databases tests make start with this, so leftovers are easy to find. */
export const TEST_DATABASE_PREFIX = "contacts_test_";

/** The template's name follows the migrations: a changed schema gets a new template. */
const TEMPLATE = `${TEST_DATABASE_PREFIX}template_${createHash("sha256")
  .update(JSON.stringify(POSTGRES_MIGRATIONS))
  .digest("hex")
  .slice(0, 12)}`;
const TEMPLATE_LOCK = 7_240_331_002;

/** The URL of database `name` on the admin URL's server. */
export function postgresUrlOf(name: string): string {
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

let templateReady: Promise<void> | undefined;

/** Makes the migrated template once; other test processes wait on the advisory lock. */
function ensureTemplate(): Promise<void> {
  templateReady ??= withAdmin(async (admin) => {
    await admin.query("SELECT pg_advisory_lock($1)", [TEMPLATE_LOCK]);
    try {
      const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [
        TEMPLATE,
      ]);
      if (rowCount === 1) return;
      await admin.query(`CREATE DATABASE ${TEMPLATE}`);
      const pool = openPool(postgresUrlOf(TEMPLATE));
      try {
        await migratePostgres(pool);
      } finally {
        await pool.end();
      }
    } finally {
      await admin.query("SELECT pg_advisory_unlock($1)", [TEMPLATE_LOCK]);
    }
  });
  return templateReady;
}

/** A fresh database, migrated (copied from the template), or empty when `migrated` is false. */
export async function createTestDatabase(
  options: { migrated?: boolean } = {},
): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const migrated = options.migrated ?? true;
  if (migrated) await ensureTemplate();
  const name = `${TEST_DATABASE_PREFIX}${randomBytes(8).toString("hex")}`;
  await withAdmin((admin) =>
    admin.query(`CREATE DATABASE ${name}${migrated ? ` TEMPLATE ${TEMPLATE}` : ""}`),
  );
  return {
    name,
    url: postgresUrlOf(name),
    drop: () =>
      withAdmin(
        async (admin) => void (await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
      ),
  };
}

/** Whether a PostgreSQL server answers at the admin URL (within `timeoutMs`). */
export async function postgresReachable(timeoutMs = 2000): Promise<boolean> {
  const client = new pg.Client({
    connectionString: POSTGRES_ADMIN_URL,
    connectionTimeoutMillis: timeoutMs,
  });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Whether PostgreSQL answers, for a test that needs one whichever store its suite runs on (to
 * take a database away from a server); warns where none answers, throws under CI.
 */
export async function postgresAvailable(testName: string): Promise<boolean> {
  const available = await postgresReachable();
  if (!available && process.env.CI) {
    throw new Error(`CI needs PostgreSQL at ${POSTGRES_ADMIN_URL} for the ${testName}`);
  }
  if (!available) {
    console.warn(`${testName} skipped: no PostgreSQL at ${POSTGRES_ADMIN_URL} (TEST_POSTGRES_URL)`);
  }
  return available;
}

/** The store the suites run on: TEST_STORE=postgres, or SQLite. */
export const TEST_STORE: "sqlite" | "postgres" =
  process.env.TEST_STORE === "postgres" ? "postgres" : "sqlite";
