// IdempotencyStore on PostgreSQL: a key is claimed once across every replica. The claim's INSERT
// waits on the primary key for a concurrent claimer's commit; the row lock then serialises the
// check of what it found.
import type { StoreTransaction } from "../../contacts/contact-store.js";
import type {
  Claim,
  IdempotencyStore,
  StoredResponse,
} from "../../idempotency/idempotency-store.js";
import { clientOf, inTransaction, type Pool } from "./pool.js";

interface KeyRow {
  fingerprint: string;
  response: string | null;
  created_at: number;
}

export class PostgresIdempotencyStore implements IdempotencyStore {
  constructor(private readonly pool: Pool) {}

  async claim(
    workspaceId: string,
    key: string,
    fingerprint: string,
    now: number,
    limits: { expiredBefore: number; staleBefore: number },
  ): Promise<Claim> {
    return inTransaction(this.pool, async ({ client }) => {
      const inserted = await client.query(
        `INSERT INTO idempotency_keys (workspace_id, key, fingerprint, response, created_at)
         VALUES ($1, $2, $3, NULL, $4) ON CONFLICT (workspace_id, key) DO NOTHING`,
        [workspaceId, key, fingerprint, now],
      );
      if (inserted.rowCount === 1) return { kind: "claimed" };
      const { rows } = await client.query<KeyRow>(
        `SELECT fingerprint, response, created_at FROM idempotency_keys
         WHERE workspace_id = $1 AND key = $2 FOR UPDATE`,
        [workspaceId, key],
      );
      const row = rows[0];
      const live =
        row &&
        (row.response === null
          ? row.created_at >= limits.staleBefore
          : row.created_at >= limits.expiredBefore);
      if (row && live) {
        if (row.fingerprint !== fingerprint) return { kind: "mismatch" };
        if (row.response === null) return { kind: "in_use" };
        return { kind: "replay", response: JSON.parse(row.response) as StoredResponse };
      }
      // Expired, abandoned, or released between the two statements: claimed anew.
      await client.query(
        `INSERT INTO idempotency_keys (workspace_id, key, fingerprint, response, created_at)
         VALUES ($1, $2, $3, NULL, $4)
         ON CONFLICT (workspace_id, key) DO UPDATE
           SET fingerprint = excluded.fingerprint, response = NULL, created_at = excluded.created_at`,
        [workspaceId, key, fingerprint, now],
      );
      return { kind: "claimed" };
    });
  }

  async complete(
    workspaceId: string,
    key: string,
    response: StoredResponse,
    transaction?: StoreTransaction,
  ): Promise<void> {
    const client = transaction ? clientOf(transaction) : this.pool;
    await client.query(
      `UPDATE idempotency_keys SET response = $1
       WHERE workspace_id = $2 AND key = $3 AND response IS NULL`,
      [JSON.stringify(response), workspaceId, key],
    );
  }

  async release(workspaceId: string, key: string): Promise<void> {
    await this.pool.query(
      "DELETE FROM idempotency_keys WHERE workspace_id = $1 AND key = $2 AND response IS NULL",
      [workspaceId, key],
    );
  }

  /**
   * Forgets every unfinished claim. The server calls it only on SQLite: here other replicas may
   * be running requests right now, so a replica's start does not; a crashed replica's claims
   * become claimable once stale.
   */
  async releaseUnfinished(): Promise<number> {
    const { rowCount } = await this.pool.query(
      "DELETE FROM idempotency_keys WHERE response IS NULL",
    );
    return rowCount ?? 0;
  }

  async prune(before: number, batch: number): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM idempotency_keys WHERE (workspace_id, key) IN
         (SELECT workspace_id, key FROM idempotency_keys WHERE created_at < $1 LIMIT $2)`,
      [before, batch],
    );
    return rowCount ?? 0;
  }
}
