// The top-list query of the SQLite usage store: the window's index walk for the default period,
// the daily totals summed for any other. Used by the store on its own connection (the window),
// and by the list worker on a read-only one (other periods: their cost grows with the contacts).
import type { Database, Statement } from "better-sqlite3";
import type { TopBy } from "../../usage/usage.js";
import { TOP_WINDOW_DAYS } from "../../usage/usage-rules.js";
import type { TopEntry } from "../../usage/usage-store.js";
import { COLUMNS, type ContactRow, fromRow } from "../contact-rows.js";
import { RANK_COLUMN, type TotalsRow, totalsOf } from "../usage-rows.js";

type RankedRow = TotalsRow & { contact_id: string };

/** Reads top lists; one per connection. */
export class UsageTopReader {
  private readonly windowStart: Statement<[string], number>;
  private readonly periodTop: Record<TopBy, Statement<unknown[], RankedRow>>;
  private readonly windowTop: Record<TopBy, Statement<unknown[], RankedRow>>;
  private readonly contactsByIds: Statement<[string, string], ContactRow>;

  constructor(private readonly db: Database) {
    this.windowStart = db
      .prepare("SELECT first_day FROM usage_window_start WHERE workspace_id = ?")
      .pluck() as Statement<[string], number>;
    const periodTop = (column: string) =>
      db.prepare(
        `SELECT contact_id, sum(cost_micros) AS cost_micros, sum(tokens) AS tokens,
                sum(requests) AS requests, sum(errors) AS errors
         FROM usage_daily INDEXED BY usage_daily_by_day
         WHERE workspace_id = ? AND day >= ? AND day < ?
         GROUP BY contact_id HAVING sum(${column}) > 0
         ORDER BY sum(${column}) DESC, contact_id DESC LIMIT ?`,
      ) as Statement<unknown[], RankedRow>;
    this.periodTop = byRanking(periodTop);
    // The window: the same ranking, read off a per-ranking index of the window's totals.
    const windowTop = (column: string) =>
      db.prepare(
        `SELECT contact_id, cost_micros, tokens, requests, errors
         FROM usage_window INDEXED BY usage_window_by_${column === "cost_micros" ? "cost" : column}
         WHERE workspace_id = ? AND ${column} > 0
         ORDER BY ${column} DESC, contact_id DESC LIMIT ?`,
      ) as Statement<unknown[], RankedRow>;
    this.windowTop = byRanking(windowTop);
    this.contactsByIds = db.prepare(
      `SELECT ${COLUMNS} FROM contacts
       WHERE workspace_id = ? AND id IN (SELECT value FROM json_each(?))`,
    );
  }

  /** Whether the days `[fromDay, toDay)` are the workspace's window now (an index walk). */
  isWindow(workspaceId: string, fromDay: number, toDay: number): boolean {
    return toDay - fromDay === TOP_WINDOW_DAYS && this.windowStart.get(workspaceId) === fromDay;
  }

  /** See UsageStore.top; one read transaction, so the window cannot move under it. */
  top(workspaceId: string, by: TopBy, fromDay: number, toDay: number, limit: number): TopEntry[] {
    return this.db
      .transaction(() => {
        const rows = this.isWindow(workspaceId, fromDay, toDay)
          ? this.windowTop[by].all(workspaceId, limit)
          : this.periodTop[by].all(workspaceId, fromDay, toDay, limit);
        const contacts = new Map(
          this.contactsByIds
            .all(workspaceId, JSON.stringify(rows.map((row) => row.contact_id)))
            .map((row) => [row.id, fromRow(row)]),
        );
        return rows.flatMap((row) => {
          const contact = contacts.get(row.contact_id);
          return contact ? [{ contact, totals: totalsOf(row) }] : [];
        });
      })
      .deferred();
  }
}

function byRanking<T>(make: (column: string) => T): Record<TopBy, T> {
  return {
    cost: make(RANK_COLUMN.cost),
    tokens: make(RANK_COLUMN.tokens),
    requests: make(RANK_COLUMN.requests),
    errors: make(RANK_COLUMN.errors),
  };
}
