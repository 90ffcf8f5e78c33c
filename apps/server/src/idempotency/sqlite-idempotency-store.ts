import type { Statement } from "better-sqlite3";
import type { StoreTransaction } from "../contacts/contact-store.js";
import type { SqliteDatabase } from "../store/sqlite/database.js";
import type { Claim, IdempotencyStore, StoredResponse } from "./idempotency-store.js";

interface KeyRow {
  fingerprint: string;
  response: string | null;
  created_at: number;
}

/** IdempotencyStore on better-sqlite3; shares the contacts' database so a completion can join a create's transaction. */
export class SqliteIdempotencyStore implements IdempotencyStore {
  private readonly select: Statement<[string, string], KeyRow>;
  private readonly upsertClaim: Statement;
  private readonly completeStatement: Statement;
  private readonly releaseStatement: Statement;
  private readonly pruneStatement: Statement;
  private readonly releaseUnfinishedStatement: Statement;

  constructor(private readonly db: SqliteDatabase) {
    this.select = db.prepare(
      "SELECT fingerprint, response, created_at FROM idempotency_keys WHERE workspace_id = ? AND key = ?",
    );
    this.upsertClaim = db.prepare(
      `INSERT INTO idempotency_keys (workspace_id, key, fingerprint, response, created_at)
       VALUES (?, ?, ?, NULL, ?)
       ON CONFLICT (workspace_id, key) DO UPDATE
         SET fingerprint = excluded.fingerprint, response = NULL, created_at = excluded.created_at`,
    );
    this.completeStatement = db.prepare(
      "UPDATE idempotency_keys SET response = ? WHERE workspace_id = ? AND key = ? AND response IS NULL",
    );
    this.releaseStatement = db.prepare(
      "DELETE FROM idempotency_keys WHERE workspace_id = ? AND key = ? AND response IS NULL",
    );
    this.releaseUnfinishedStatement = db.prepare(
      "DELETE FROM idempotency_keys WHERE response IS NULL",
    );
    this.pruneStatement = db.prepare(
      `DELETE FROM idempotency_keys WHERE (workspace_id, key) IN
         (SELECT workspace_id, key FROM idempotency_keys WHERE created_at < ? LIMIT ?)`,
    );
  }

  async claim(
    workspaceId: string,
    key: string,
    fingerprint: string,
    now: number,
    limits: { expiredBefore: number; staleBefore: number },
  ): Promise<Claim> {
    return this.db
      .transaction((): Claim => {
        const row = this.select.get(workspaceId, key);
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
        this.upsertClaim.run(workspaceId, key, fingerprint, now);
        return { kind: "claimed" };
      })
      .immediate();
  }

  /**
   * Not `async`: the write runs (or throws) before this returns, so inside a create's
   * transaction a failure rolls the contact back too. The transaction shares this connection.
   */
  complete(
    workspaceId: string,
    key: string,
    response: StoredResponse,
    transaction?: StoreTransaction,
  ): Promise<void> {
    if (transaction && transaction.store !== "sqlite") {
      throw new Error(`an SQLite store cannot join a ${transaction.store} transaction`);
    }
    this.completeStatement.run(JSON.stringify(response), workspaceId, key);
    return Promise.resolve();
  }

  async release(workspaceId: string, key: string): Promise<void> {
    this.releaseStatement.run(workspaceId, key);
  }

  async releaseUnfinished(): Promise<number> {
    return this.releaseUnfinishedStatement.run().changes;
  }

  async prune(before: number, batch: number): Promise<number> {
    return this.pruneStatement.run(before, batch).changes;
  }
}
