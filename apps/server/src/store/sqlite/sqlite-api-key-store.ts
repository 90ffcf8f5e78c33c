import { randomUUID } from "node:crypto";
import type { Statement } from "better-sqlite3";
import {
  type ApiKeyInfo,
  type ApiKeyStore,
  apiKeyMatches,
  issueApiKey,
  keyIdOf,
  type Principal,
} from "../../auth/api-keys.js";
import type { SqliteDatabase } from "./database.js";

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

const MAX_CACHED_KEYS = 10_000;

/** ApiKeyStore on better-sqlite3. */
export class SqliteApiKeyStore implements ApiKeyStore {
  private readonly selectKey: Statement<[string], KeyRow>;
  private readonly selectKeys: Statement<[], KeyRow>;
  private readonly selectWorkspace: Statement<[string], { id: string }>;
  private readonly insertWorkspace: Statement;
  private readonly insertKey: Statement;
  private readonly revoke: Statement;
  private readonly count: Statement<[], { n: number }>;
  private readonly dataVersion: Statement<[], { data_version: number }>;
  /**
   * Verified keys by key id, so most requests skip the database. Emptied whenever another
   * connection (the admin CLI revoking a key) commits, which `PRAGMA data_version` reveals.
   */
  private readonly verified = new Map<string, KeyRow>();
  private seenVersion = -1;

  constructor(private readonly db: SqliteDatabase) {
    this.selectKey = db.prepare(`SELECT ${KEY_COLUMNS} WHERE k.id = ?`);
    this.selectKeys = db.prepare(`SELECT ${KEY_COLUMNS} ORDER BY k.created_at, k.id`);
    this.selectWorkspace = db.prepare("SELECT id FROM workspaces WHERE name = ?");
    this.insertWorkspace = db.prepare(
      "INSERT INTO workspaces (id, name, created_at) VALUES (?, ?, ?)",
    );
    this.insertKey = db.prepare(
      "INSERT INTO api_keys (id, workspace_id, secret_hash, created_at) VALUES (?, ?, ?, ?)",
    );
    this.revoke = db.prepare(
      "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
    );
    this.count = db.prepare("SELECT count(*) AS n FROM api_keys");
    this.dataVersion = db.prepare("PRAGMA data_version");
  }

  async authenticate(key: string): Promise<Principal | undefined> {
    const keyId = keyIdOf(key);
    if (!keyId) return undefined;
    const version = this.dataVersion.get()?.data_version ?? -1;
    if (version !== this.seenVersion) {
      this.verified.clear();
      this.seenVersion = version;
    }
    const row = this.verified.get(keyId) ?? this.selectKey.get(keyId);
    if (!row || row.revoked_at !== null || !apiKeyMatches(key, row.secret_hash)) return undefined;
    if (this.verified.size >= MAX_CACHED_KEYS) this.verified.clear();
    this.verified.set(keyId, row);
    return { workspaceId: row.workspace_id, keyId: row.id };
  }

  async createKey(workspaceName: string, now: number): Promise<{ key: string; info: ApiKeyInfo }> {
    return this.db.transaction(() => this.createKeyNow(workspaceName, now)).immediate();
  }

  /** Creates the workspace if needed, then a key in it; inside the caller's transaction. */
  private createKeyNow(workspaceName: string, now: number): { key: string; info: ApiKeyInfo } {
    let workspaceId = this.selectWorkspace.get(workspaceName)?.id;
    if (!workspaceId) {
      workspaceId = randomUUID();
      this.insertWorkspace.run(workspaceId, workspaceName, now);
    }
    const issued = issueApiKey();
    this.insertKey.run(issued.keyId, workspaceId, issued.secretHash, now);
    const info: ApiKeyInfo = {
      keyId: issued.keyId,
      workspaceId,
      workspaceName,
      createdAt: now,
      revokedAt: null,
    };
    return { key: issued.key, info };
  }

  async createFirstKey(
    workspaceName: string,
    now: number,
  ): Promise<{ key: string; info: ApiKeyInfo } | undefined> {
    // IMMEDIATE: the write lock first, so two processes on one file cannot both see no key.
    return this.db
      .transaction(() =>
        (this.count.get()?.n ?? 0) > 0 ? undefined : this.createKeyNow(workspaceName, now),
      )
      .immediate();
  }

  async listKeys(): Promise<ApiKeyInfo[]> {
    return this.selectKeys.all().map((row) => ({
      keyId: row.id,
      workspaceId: row.workspace_id,
      workspaceName: row.workspace_name,
      createdAt: row.created_at,
      revokedAt: row.revoked_at,
    }));
  }

  async revokeKey(keyId: string, now: number): Promise<boolean> {
    this.verified.delete(keyId);
    return this.revoke.run(now, keyId).changes === 1;
  }

  async countKeys(): Promise<number> {
    return this.count.get()?.n ?? 0;
  }
}
