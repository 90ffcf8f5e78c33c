// ApiKeyStore on PostgreSQL. Every authentication reads the key's row: a key revoked by the admin
// CLI (or on any replica) is refused by every replica from its next request.
import { randomUUID } from "node:crypto";
import type { PoolClient } from "pg";
import {
  type ApiKeyInfo,
  type ApiKeyStore,
  apiKeyMatches,
  issueApiKey,
  keyIdOf,
  type Principal,
} from "../../auth/api-keys.js";
import { inTransaction, type Pool } from "./pool.js";

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
  constructor(private readonly pool: Pool) {}

  async authenticate(key: string): Promise<Principal | undefined> {
    const keyId = keyIdOf(key);
    if (!keyId) return undefined;
    const { rows } = await this.pool.query<KeyRow>(`SELECT ${KEY_COLUMNS} WHERE k.id = $1`, [
      keyId,
    ]);
    const row = rows[0];
    if (!row || row.revoked_at !== null || !apiKeyMatches(key, row.secret_hash)) return undefined;
    return { workspaceId: row.workspace_id, keyId: row.id };
  }

  async createKey(workspaceName: string, now: number): Promise<{ key: string; info: ApiKeyInfo }> {
    return inTransaction(this.pool, ({ client }) => this.createKeyIn(client, workspaceName, now));
  }

  async createFirstKey(
    workspaceName: string,
    now: number,
  ): Promise<{ key: string; info: ApiKeyInfo } | undefined> {
    return inTransaction(this.pool, async ({ client }) => {
      // Replicas starting at once on an empty database: the lock (which conflicts with itself
      // and with inserts) makes the others wait, then find the first one's key.
      await client.query("LOCK TABLE api_keys IN SHARE ROW EXCLUSIVE MODE");
      const { rows } = await client.query("SELECT 1 FROM api_keys LIMIT 1");
      return rows.length > 0 ? undefined : this.createKeyIn(client, workspaceName, now);
    });
  }

  /** Creates the workspace if needed, then a key in it; inside the caller's transaction. */
  private async createKeyIn(
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
    const { rows } = await client.query<{ id: string }>(
      "SELECT id FROM workspaces WHERE name = $1",
      [workspaceName],
    );
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
    return rowCount === 1;
  }

  async countKeys(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM api_keys",
    );
    return rows[0]?.n ?? 0;
  }
}
