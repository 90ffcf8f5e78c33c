// ApiKeyStore on PostgreSQL. An authentication reads the key's row unless the same key succeeded
// less than AUTHENTICATED_KEYS_TTL_MS (500 ms) ago in this process: a key revoked by the admin CLI
// (or on another replica) is refused by every replica within that, and at once by this one.
import { randomUUID } from "node:crypto";
import {
  type ApiKeyInfo,
  type ApiKeyStore,
  apiKeyMatches,
  hashApiKey,
  issueApiKey,
  keyIdOf,
  type Principal,
} from "../../auth/api-keys.js";
import { AuthenticatedKeys, type AuthenticatedKeysOptions } from "./authenticated-keys.js";
import { inTransaction, type Pool, type PoolClient } from "./pool.js";

/** The advisory lock key of the first key's creation: any fixed number, the same everywhere. */
const FIRST_KEY_LOCK = 7_240_331_003;

interface KeyRow {
  id: string;
  workspace_id: string;
  workspace_name: string;
  secret_hash: Buffer;
  created_at: number;
  revoked_at: number | null;
}

const KEY_COLUMNS = `k.id, k.workspace_id, w.name AS workspace_name, k.secret_hash, k.created_at,
  k.revoked_at FROM api_keys k JOIN workspaces w ON w.id = k.workspace_id`;

export class PostgresApiKeyStore implements ApiKeyStore {
  private readonly recent: AuthenticatedKeys;

  constructor(
    private readonly pool: Pool,
    cache: AuthenticatedKeysOptions = {},
  ) {
    this.recent = new AuthenticatedKeys(cache);
  }

  async authenticate(key: string): Promise<Principal | undefined> {
    const keyId = keyIdOf(key);
    if (!keyId) return undefined;
    const keyHash = hashApiKey(key).toString("hex");
    const remembered = this.recent.get(keyHash);
    if (remembered) return remembered;
    const readAt = this.recent.now();
    const { rows } = await this.pool.query<KeyRow>(`SELECT ${KEY_COLUMNS} WHERE k.id = $1`, [
      keyId,
    ]);
    const row = rows[0];
    if (!row || row.revoked_at !== null || !apiKeyMatches(key, row.secret_hash)) return undefined;
    const principal = { workspaceId: row.workspace_id, keyId: row.id };
    this.recent.set(keyHash, principal, readAt);
    return principal;
  }

  async createKey(workspaceName: string, now: number): Promise<{ key: string; info: ApiKeyInfo }> {
    return inTransaction(this.pool, ({ client }) => insertKey(client, workspaceName, now));
  }

  async createFirstKey(
    workspaceName: string,
    now: number,
  ): Promise<{ key: string; info: ApiKeyInfo } | undefined> {
    return inTransaction(this.pool, async ({ client }) => {
      // Replicas starting together on an empty database: one at a time past this lock, so only
      // the first finds no key.
      await client.query("SELECT pg_advisory_xact_lock($1)", [FIRST_KEY_LOCK]);
      const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM api_keys");
      if ((rows[0]?.n ?? 0) > 0) return undefined;
      return insertKey(client, workspaceName, now);
    });
  }

  async listKeys(): Promise<ApiKeyInfo[]> {
    const { rows } = await this.pool.query<KeyRow>(
      `SELECT ${KEY_COLUMNS} ORDER BY k.created_at, k.id`,
    );
    return rows.map((row) => ({
      keyId: row.id,
      workspaceId: row.workspace_id,
      workspaceName: row.workspace_name,
      createdAt: row.created_at,
      revokedAt: row.revoked_at,
    }));
  }

  async revokeKey(keyId: string, now: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
      [now, keyId],
    );
    // After the commit: a read in flight that saw the key unrevoked is not remembered either.
    this.recent.forgetKeyId(keyId);
    return rowCount === 1;
  }

  async countKeys(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM api_keys",
    );
    return rows[0]?.n ?? 0;
  }
}

/** The workspace (made if needed) and a new key in it, inside the caller's transaction. */
async function insertKey(
  client: PoolClient,
  workspaceName: string,
  now: number,
): Promise<{ key: string; info: ApiKeyInfo }> {
  // Two creators of one new workspace: the second's insert waits, then finds the first's row.
  await client.query(
    `INSERT INTO workspaces (id, name, created_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO NOTHING`,
    [randomUUID(), workspaceName, now],
  );
  const { rows } = await client.query<{ id: string }>("SELECT id FROM workspaces WHERE name = $1", [
    workspaceName,
  ]);
  const workspaceId = rows[0]?.id;
  if (!workspaceId) throw new Error(`workspace ${workspaceName} vanished`);
  const issued = issueApiKey();
  await client.query(
    "INSERT INTO api_keys (id, workspace_id, secret_hash, created_at) VALUES ($1, $2, $3, $4)",
    [issued.keyId, workspaceId, issued.secretHash, now],
  );
  const info: ApiKeyInfo = {
    keyId: issued.keyId,
    workspaceId,
    workspaceName,
    createdAt: now,
    revokedAt: null,
  };
  return { key: issued.key, info };
}
