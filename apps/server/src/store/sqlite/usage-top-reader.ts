// The top-list query of the SQLite usage store: the window's index walk for the default period;
// for a period that shares most of its days with the window, the window corrected by the days
// where they differ; the daily totals summed for any other. Used by the store on its own
// connection (the window), and by the list worker on a read-only one (other periods: their cost
// grows with the contacts).
import type { Database, Statement } from "better-sqlite3";
import type { TopBy } from "../../usage/usage.js";
import { TOP_WINDOW_DAYS } from "../../usage/usage-rules.js";
import type { TopEntry } from "../../usage/usage-store.js";
import { COLUMNS, type ContactRow, fromRow } from "../contact-rows.js";
import { RANK_COLUMN, type TotalsRow, totalsOf } from "../usage-rows.js";

type RankedRow = TotalsRow & { contact_id: string };

/**
 * A period is read off the window when the days where they differ are at most 1/8 of its own.
 * Measured over 300,000 daily totals of 100,000 contacts on 60 days, 30-day periods: 2 days apart
 * 3–4× faster than the sum, 4–6 days 1.1–1.4×, 10 days 2× slower (the window walk and the
 * differing days' rows cost about what the period's own rows do).
 */
const NEAR_WINDOW_RATIO = 8;

/** Days `[from, to)`. */
type Days = readonly [from: number, to: number];

interface WithWindowParameters {
  ws: string;
  from1: number;
  to1: number;
  from2: number;
  to2: number;
}

/** Reads top lists; one per connection. */
export class UsageTopReader {
  private readonly windowStart: Statement<[string], number>;
  private readonly periodTop: Record<TopBy, Statement<unknown[], RankedRow>>;
  private readonly windowTop: Record<TopBy, Statement<unknown[], RankedRow>>;
  private readonly contactsByIds: Statement<[string, string], ContactRow>;
  private readonly daysTotals: Statement<[string, number, number], RankedRow>;
  private readonly withWindow: Statement<[WithWindowParameters], RankedRow>;

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
    this.daysTotals = db.prepare(
      `SELECT contact_id, sum(cost_micros) AS cost_micros, sum(tokens) AS tokens,
              sum(requests) AS requests, sum(errors) AS errors
       FROM usage_daily INDEXED BY usage_daily_by_day
       WHERE workspace_id = ? AND day >= ? AND day < ? GROUP BY contact_id`,
    );
    // Per-contact totals over up to two ranges of days, plus the contact's window totals.
    const range = (from: string, to: string) =>
      `SELECT contact_id, cost_micros, tokens, requests, errors
       FROM usage_daily INDEXED BY usage_daily_by_day
       WHERE workspace_id = @ws AND day >= ${from} AND day < ${to}`;
    this.withWindow = db.prepare(
      `SELECT d.contact_id, d.cost_micros + coalesce(w.cost_micros, 0) AS cost_micros,
              d.tokens + coalesce(w.tokens, 0) AS tokens,
              d.requests + coalesce(w.requests, 0) AS requests,
              d.errors + coalesce(w.errors, 0) AS errors
       FROM (SELECT contact_id, sum(cost_micros) AS cost_micros, sum(tokens) AS tokens,
                    sum(requests) AS requests, sum(errors) AS errors
             FROM (${range("@from1", "@to1")} UNION ALL ${range("@from2", "@to2")})
             GROUP BY contact_id) AS d
       LEFT JOIN usage_window AS w ON w.workspace_id = @ws AND w.contact_id = d.contact_id`,
    );
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
          : (this.nearWindowTop(workspaceId, by, fromDay, toDay, limit) ??
            this.periodTop[by].all(workspaceId, fromDay, toDay, limit));
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

  /**
   * The top list of `[fromDay, toDay)` as the window plus the days of the period outside it minus
   * the window's days outside the period, when those days are few (else undefined: sum the
   * period). Exact, because the window's totals are the sums of its days' (kept so in the same
   * transactions) and totals are never negative: the contacts with usage in the added days are
   * scored in full, and the window is walked in rank order only until no row below can outrank
   * the `limit`th score (subtracting can only lower a contact).
   */
  private nearWindowTop(
    workspaceId: string,
    by: TopBy,
    fromDay: number,
    toDay: number,
    limit: number,
  ): RankedRow[] | undefined {
    const first = this.windowStart.get(workspaceId);
    if (first === undefined) return undefined;
    const end = first + TOP_WINDOW_DAYS;
    const added = nonEmpty([fromDay, Math.min(toDay, first)], [Math.max(fromDay, end), toDay]);
    const removed = nonEmpty([first, Math.min(end, fromDay)], [Math.max(first, toDay), end]);
    const differing = [...added, ...removed].reduce((days, [from, to]) => days + to - from, 0);
    if (differing * NEAR_WINDOW_RATIO > toDay - fromDay) return undefined;
    // Before and after the window (a period that holds it), or one of them, or none.
    const [from1, to1] = added[0] ?? [0, 0];
    const [from2, to2] = added[1] ?? [0, 0];
    const gained = new Map<string, RankedRow>();
    for (const row of this.withWindow.all({ ws: workspaceId, from1, to1, from2, to2 })) {
      gained.set(row.contact_id, row);
    }
    const lost = this.totalsOver(workspaceId, removed);
    const best = new RankedList(RANK_COLUMN[by], limit);
    for (const row of gained.values()) {
      const minus = lost.get(row.contact_id);
      best.offer(minus ? less(row, minus) : row);
    }
    // No statement runs on the connection while the walk's iterator is open.
    for (const row of this.windowTop[by].iterate(workspaceId, -1)) {
      if (!best.couldTake(row)) break;
      if (gained.has(row.contact_id)) continue;
      const minus = lost.get(row.contact_id);
      best.offer(minus ? less(row, minus) : row);
    }
    return best.rows;
  }

  /** Per-contact totals over the given days. */
  private totalsOver(workspaceId: string, days: readonly Days[]): Map<string, RankedRow> {
    const totals = new Map<string, RankedRow>();
    for (const [from, to] of days) {
      for (const row of this.daysTotals.all(workspaceId, from, to)) {
        const known = totals.get(row.contact_id);
        if (!known) totals.set(row.contact_id, row);
        else {
          known.cost_micros += row.cost_micros;
          known.tokens += row.tokens;
          known.requests += row.requests;
          known.errors += row.errors;
        }
      }
    }
    return totals;
  }
}

/** The best `limit` rows offered, in the top list's order: by `column` down, then id down. */
class RankedList {
  readonly rows: RankedRow[] = [];

  constructor(
    private readonly column: keyof TotalsRow,
    private readonly limit: number,
  ) {}

  /** Whether a row ranking as high as `row` would get in (a row with nothing never does). */
  couldTake(row: RankedRow): boolean {
    const last = this.rows[this.limit - 1];
    return last === undefined || this.above(row, last);
  }

  offer(row: RankedRow): void {
    if (row[this.column] <= 0 || !this.couldTake(row)) return;
    let at = this.rows.length;
    while (at > 0 && this.above(row, this.rows[at - 1] as RankedRow)) at--;
    this.rows.splice(at, 0, row);
    if (this.rows.length > this.limit) this.rows.pop();
  }

  /** SQL's `ORDER BY column DESC, contact_id DESC` (ids are ASCII: JS order is SQLite's). */
  private above(a: RankedRow, b: RankedRow): boolean {
    const x = a[this.column];
    const y = b[this.column];
    return x > y || (x === y && a.contact_id > b.contact_id);
  }
}

function less(row: RankedRow, minus: TotalsRow): RankedRow {
  return {
    contact_id: row.contact_id,
    cost_micros: row.cost_micros - minus.cost_micros,
    tokens: row.tokens - minus.tokens,
    requests: row.requests - minus.requests,
    errors: row.errors - minus.errors,
  };
}

function nonEmpty(...ranges: Days[]): Days[] {
  return ranges.filter(([from, to]) => from < to);
}

function byRanking<T>(make: (column: string) => T): Record<TopBy, T> {
  return {
    cost: make(RANK_COLUMN.cost),
    tokens: make(RANK_COLUMN.tokens),
    requests: make(RANK_COLUMN.requests),
    errors: make(RANK_COLUMN.errors),
  };
}
