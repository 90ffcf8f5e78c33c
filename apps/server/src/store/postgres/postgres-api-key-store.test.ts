// The PostgreSQL key store's memory of recent successes: a hit costs no round trip, yet a key
// revoked elsewhere is refused once the entry's 500 ms are up, a revoke here at once, a wrong
// secret for a remembered key id never, and failures are not remembered at all.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../../test/support/postgres-databases.js";
import { AUTHENTICATED_KEYS_TTL_MS } from "./authenticated-keys.js";
import { openPool, type Pool } from "./pool.js";
import { PostgresApiKeyStore } from "./postgres-api-key-store.js";

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: Pool;
let queries: number;
let clock: number;
let cached: PostgresApiKeyStore;
/** Another replica: its own pool and memory. */
let elsewhere: PostgresApiKeyStore;
const otherPools: Pool[] = [];

function otherPool(): Pool {
  const other = openPool(database.url);
  otherPools.push(other);
  return other;
}

beforeAll(async () => {
  database = await createTestDatabase();
  pool = openPool(database.url);
  // Counts the round trips the cached store makes.
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args) => {
    queries++;
    return query(...args);
  };
});
afterAll(async () => {
  for (const other of otherPools) await other.end();
  await pool.end();
  await database.drop();
});
beforeEach(() => {
  clock = 1000;
  queries = 0;
  cached = new PostgresApiKeyStore(pool, { now: () => clock, maxEntries: 3 });
  elsewhere = new PostgresApiKeyStore(otherPool());
});

describe("PostgresApiKeyStore's memory of recent successes", () => {
  it("answers a repeated key without a round trip, and refuses it once revoked elsewhere and the TTL is up", async () => {
    const { key, info } = await elsewhere.createKey("cache-ttl", Date.now());
    const principal = { workspaceId: info.workspaceId, keyId: info.keyId };
    expect(await cached.authenticate(key)).toEqual(principal);
    expect(queries).toBe(1);
    clock += 100;
    expect(await cached.authenticate(key)).toEqual(principal);
    expect(queries).toBe(1);

    expect(await elsewhere.revokeKey(info.keyId, Date.now())).toBe(true);
    // Within the TTL this replica may still accept it (the promise is "within 1 s")...
    clock += AUTHENTICATED_KEYS_TTL_MS - 101;
    expect(await cached.authenticate(key)).toEqual(principal);
    // ...and from the TTL on, it reads the row again and refuses it.
    clock += 1;
    expect(await cached.authenticate(key)).toBeUndefined();
    expect(queries).toBe(2);
    expect(await cached.authenticate(key)).toBeUndefined();
    expect(queries).toBe(3);
  });

  it("refuses a wrong secret for a remembered key id, and does not remember failures", async () => {
    const { key } = await elsewhere.createKey("cache-wrong", Date.now());
    expect(await cached.authenticate(key)).toBeDefined();
    const last = key.at(-1) === "A" ? "B" : "A";
    const wrong = `${key.slice(0, -1)}${last}`;
    for (let i = 0; i < 5; i++) expect(await cached.authenticate(wrong)).toBeUndefined();
    // Each wrong key went to the database: none of them was taken from (or put in) the memory.
    expect(queries).toBe(1 + 5);
    expect(await cached.authenticate(key)).toBeDefined();
    expect(queries).toBe(6);
  });

  it("refuses a key revoked through the same store at once", async () => {
    const { key, info } = await cached.createKey("cache-revoke", Date.now());
    expect(await cached.authenticate(key)).toBeDefined();
    expect(await cached.revokeKey(info.keyId, Date.now())).toBe(true);
    expect(await cached.authenticate(key)).toBeUndefined();
  });

  it("holds at most maxEntries keys, the oldest going first", async () => {
    const keys = [];
    for (let i = 0; i < 4; i++) keys.push((await elsewhere.createKey(`cache-${i}`, 0)).key);
    for (const key of keys) expect(await cached.authenticate(key)).toBeDefined();
    queries = 0;
    // keys[0] was pushed out by keys[3]; the other three are remembered.
    for (const key of keys.slice(1)) await cached.authenticate(key);
    expect(queries).toBe(0);
    await cached.authenticate(keys[0] as string);
    expect(queries).toBe(1);
  });
});
