// UsageStore on better-sqlite3: a batch is one write transaction (events, hourly and daily
// totals, the top-list window, contacts created for new external_ids); reads use the totals,
// never the events.
import type { Statement } from "better-sqlite3";
import { CONTACT_ID_SHAPE } from "../../contacts/contact.js";
import type {
  Granularity,
  RecordOutcome,
  TopBy,
  UsageEventRecord,
  UsageTotals,
} from "../../usage/usage.js";
import { UnknownContactError } from "../../usage/usage-errors.js";
import { DAY_MS, HOUR_MS, TOP_WINDOW_DAYS } from "../../usage/usage-rules.js";
import type { NewContactFactory, TopEntry, UsageStore } from "../../usage/usage-store.js";
import { COLUMNS, toRow } from "../contact-rows.js";
import { HOURS_PER_DAY, type TotalsRow, totalsOf } from "../usage-rows.js";
import type { SqliteDatabase } from "./database.js";
import { UsageTopReader } from "./usage-top-reader.js";
import {
  createSearchTableSql,
  searchTableOf,
  WorkspaceSearchIndex,
} from "./workspace-search-index.js";

/** Where top lists over periods other than the window run (list-worker.ts). */
export type TopLists = Pick<UsageStore, "top">;

export interface SqliteUsageStoreOptions {
  /** Runs top lists over any period but the window elsewhere: off the event loop. */
  otherPeriods?: TopLists;
}

export class SqliteUsageStore implements UsageStore {
  private readonly eventExists: Statement<[string, string], 1>;
  private readonly insertEvent: Statement;
  private readonly addHourly: Statement;
  private readonly addDaily: Statement;
  private readonly contactById: Statement<[string, string], { id: string }>;
  private readonly contactByExternalId: Statement<[string, string], { id: string }>;
  private readonly newestContactId: Statement<[string], { id: string | null }>;
  private readonly insertContact: Statement;
  private readonly totalsSinceStatement: Statement<unknown[], TotalsRow & { contact_id: string }>;
  private readonly hourlySeries: Statement<unknown[], TotalsRow & { bucket: number }>;
  private readonly dailySeries: Statement<unknown[], TotalsRow & { bucket: number }>;
  private readonly windowStart: Statement<[string], number>;
  private readonly setWindowStart: Statement;
  private readonly addWindow: Statement;
  private readonly subtractWindow: Statement;
  private readonly dropEmptyWindowRow: Statement;
  private readonly clearWindow: Statement;
  private readonly addDaysToWindow: Statement;
  private readonly subtractDaysFromWindow: Statement;
  private readonly dropEmptyWindowRows: Statement;
  private readonly workspaces: Statement<[], { id: string }>;
  private readonly oldDays: Statement<
    [string, number, number],
    TotalsRow & { contact_id: string; day: number }
  >;
  private readonly deleteDayEvents: Statement;
  private readonly deleteDayHours: Statement;
  private readonly deleteDay: Statement;
  private readonly searchIndex: WorkspaceSearchIndex;
  private readonly topReader: UsageTopReader;
  private readonly otherPeriods: TopLists | undefined;

  constructor(
    private readonly db: SqliteDatabase,
    options: SqliteUsageStoreOptions = {},
  ) {
    this.searchIndex = new WorkspaceSearchIndex(db);
    this.topReader = new UsageTopReader(db);
    this.otherPeriods = options.otherPeriods;
    this.eventExists = db
      .prepare("SELECT 1 FROM usage_events WHERE workspace_id = ? AND event_id = ?")
      .pluck() as Statement<[string, string], 1>;
    this.insertEvent = db.prepare(
      `INSERT INTO usage_events (workspace_id, event_id, contact_id, ts, cost_micros, tokens,
         error, model, input_tokens, output_tokens, latency_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const upsert = (table: string, bucket: string) =>
      db.prepare(
        `INSERT INTO ${table} (workspace_id, contact_id, ${bucket}, cost_micros, tokens, requests, errors)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (workspace_id, contact_id, ${bucket}) DO UPDATE SET
           cost_micros = cost_micros + excluded.cost_micros, tokens = tokens + excluded.tokens,
           requests = requests + excluded.requests, errors = errors + excluded.errors`,
      );
    this.addHourly = upsert("usage_hourly", "hour");
    this.addDaily = upsert("usage_daily", "day");
    this.contactById = db.prepare("SELECT id FROM contacts WHERE workspace_id = ? AND id = ?");
    this.contactByExternalId = db.prepare(
      "SELECT id FROM contacts WHERE workspace_id = ? AND external_id = ?",
    );
    this.newestContactId = db.prepare("SELECT max(id) AS id FROM contacts WHERE workspace_id = ?");
    this.insertContact = db.prepare(
      `INSERT INTO contacts (${COLUMNS}, search_text)
       VALUES (@id, @workspace_id, @external_id, @display_name, @email, @avatar_url, @tags,
               @metadata, @created_at, @updated_at, @version, @search_text)`,
    );
    // Whole days from the daily totals, the window's first partial day from the hourly ones:
    // at most 31 + 23 rows per contact, however busy it was.
    this.totalsSinceStatement = db.prepare(
      `SELECT contact_id, sum(cost_micros) AS cost_micros, sum(tokens) AS tokens,
              sum(requests) AS requests, sum(errors) AS errors
       FROM (
         SELECT contact_id, cost_micros, tokens, requests, errors FROM usage_daily
         WHERE workspace_id = @ws AND contact_id IN (SELECT value FROM json_each(@ids)) AND day >= @day
         UNION ALL
         SELECT contact_id, cost_micros, tokens, requests, errors FROM usage_hourly
         WHERE workspace_id = @ws AND contact_id IN (SELECT value FROM json_each(@ids))
           AND hour >= @fromHour AND hour < @toHour
       )
       GROUP BY contact_id`,
    );
    const series = (table: string, bucket: string) =>
      db.prepare(
        `SELECT ${bucket} AS bucket, cost_micros, tokens, requests, errors FROM ${table}
         WHERE workspace_id = ? AND contact_id = ? AND ${bucket} >= ? AND ${bucket} < ?`,
      ) as Statement<unknown[], TotalsRow & { bucket: number }>;
    this.hourlySeries = series("usage_hourly", "hour");
    this.dailySeries = series("usage_daily", "day");
    this.windowStart = db
      .prepare("SELECT first_day FROM usage_window_start WHERE workspace_id = ?")
      .pluck() as Statement<[string], number>;
    this.setWindowStart = db.prepare(
      `INSERT INTO usage_window_start (workspace_id, first_day) VALUES (?, ?)
       ON CONFLICT (workspace_id) DO UPDATE SET first_day = excluded.first_day`,
    );
    this.addWindow = db.prepare(
      `INSERT INTO usage_window (workspace_id, contact_id, cost_micros, tokens, requests, errors)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (workspace_id, contact_id) DO UPDATE SET
         cost_micros = cost_micros + excluded.cost_micros, tokens = tokens + excluded.tokens,
         requests = requests + excluded.requests, errors = errors + excluded.errors`,
    );
    this.subtractWindow = db.prepare(
      `UPDATE usage_window SET cost_micros = cost_micros - ?, tokens = tokens - ?,
         requests = requests - ?, errors = errors - ?
       WHERE workspace_id = ? AND contact_id = ?`,
    );
    this.dropEmptyWindowRow = db.prepare(
      "DELETE FROM usage_window WHERE workspace_id = ? AND contact_id = ? AND requests <= 0",
    );
    this.clearWindow = db.prepare("DELETE FROM usage_window WHERE workspace_id = ?");
    const daysTotals = `SELECT contact_id, sum(cost_micros) AS cost_micros, sum(tokens) AS tokens,
             sum(requests) AS requests, sum(errors) AS errors
           FROM usage_daily INDEXED BY usage_daily_by_day
           WHERE workspace_id = @ws AND day >= @from AND day < @to GROUP BY contact_id`;
    this.addDaysToWindow = db.prepare(
      `INSERT INTO usage_window (workspace_id, contact_id, cost_micros, tokens, requests, errors)
       SELECT @ws, contact_id, cost_micros, tokens, requests, errors FROM (${daysTotals}) WHERE true
       ON CONFLICT (workspace_id, contact_id) DO UPDATE SET
         cost_micros = cost_micros + excluded.cost_micros, tokens = tokens + excluded.tokens,
         requests = requests + excluded.requests, errors = errors + excluded.errors`,
    );
    this.subtractDaysFromWindow = db.prepare(
      `UPDATE usage_window AS w SET cost_micros = w.cost_micros - d.cost_micros,
         tokens = w.tokens - d.tokens, requests = w.requests - d.requests, errors = w.errors - d.errors
       FROM (${daysTotals}) AS d
       WHERE w.workspace_id = @ws AND w.contact_id = d.contact_id`,
    );
    this.dropEmptyWindowRows = db.prepare(
      "DELETE FROM usage_window WHERE workspace_id = ? AND requests <= 0",
    );
    this.workspaces = db.prepare("SELECT id FROM workspaces");
    this.oldDays = db.prepare(
      `SELECT contact_id, day, cost_micros, tokens, requests, errors
       FROM usage_daily INDEXED BY usage_daily_by_day
       WHERE workspace_id = ? AND day < ? LIMIT ?`,
    );
    this.deleteDayEvents = db.prepare(
      "DELETE FROM usage_events WHERE workspace_id = ? AND contact_id = ? AND ts >= ? AND ts < ?",
    );
    this.deleteDayHours = db.prepare(
      "DELETE FROM usage_hourly WHERE workspace_id = ? AND contact_id = ? AND hour >= ? AND hour < ?",
    );
    this.deleteDay = db.prepare(
      "DELETE FROM usage_daily WHERE workspace_id = ? AND contact_id = ? AND day = ?",
    );
  }

  async record(
    workspaceId: string,
    events: readonly UsageEventRecord[],
    newContact: NewContactFactory,
  ): Promise<RecordOutcome> {
    // The workspace's search index is made outside the batch's transaction: made inside one that
    // rolls back (an unknown _id), it would vanish under the statements cached for it.
    if (!this.searchIndex.exists(workspaceId)) {
      this.db.exec(createSearchTableSql(searchTableOf(workspaceId)));
    }
    return this.db
      .transaction(() => {
        const outcome: RecordOutcome = { accepted: 0, duplicates: 0, contactsCreated: 0 };
        const windowFirst = this.windowStart.get(workspaceId);
        const seen = new Set<string>();
        const contactIds = new Map<string, string>();
        // Summed per (contact, bucket) first: one upsert per bucket, not per event.
        const hourly = new Map<string, Bucket>();
        const daily = new Map<string, Bucket>();
        events.forEach((event, index) => {
          if (seen.has(event.id) || this.eventExists.get(workspaceId, event.id) !== undefined) {
            outcome.duplicates++;
            return;
          }
          seen.add(event.id);
          let contactId = contactIds.get(event.contactRef);
          if (contactId === undefined) {
            contactId = this.resolveContact(
              workspaceId,
              event.contactRef,
              index,
              newContact,
              outcome,
            );
            contactIds.set(event.contactRef, contactId);
          }
          this.insertEvent.run(
            workspaceId,
            event.id,
            contactId,
            event.timestamp,
            event.costMicros,
            event.tokens,
            event.error ? 1 : 0,
            event.model,
            event.inputTokens,
            event.outputTokens,
            event.latencyMs,
          );
          addTo(hourly, contactId, Math.floor(event.timestamp / HOUR_MS), event);
          addTo(daily, contactId, Math.floor(event.timestamp / DAY_MS), event);
          outcome.accepted++;
        });
        for (const b of hourly.values()) {
          this.addHourly.run(
            workspaceId,
            b.contactId,
            b.bucket,
            b.costMicros,
            b.tokens,
            b.requests,
            b.errors,
          );
        }
        for (const b of daily.values()) {
          this.addDaily.run(
            workspaceId,
            b.contactId,
            b.bucket,
            b.costMicros,
            b.tokens,
            b.requests,
            b.errors,
          );
          // Days past the window's end are added when the window reaches them (rollWindow).
          if (inWindow(windowFirst, b.bucket)) {
            this.addWindow.run(
              workspaceId,
              b.contactId,
              b.costMicros,
              b.tokens,
              b.requests,
              b.errors,
            );
          }
        }
        return outcome;
      })
      .immediate();
  }

  async totalsSince(
    workspaceId: string,
    contactIds: readonly string[],
    fromHour: number,
  ): Promise<Map<string, UsageTotals>> {
    const firstWholeDay = Math.ceil(fromHour / HOURS_PER_DAY);
    const rows = this.totalsSinceStatement.all({
      ws: workspaceId,
      ids: JSON.stringify(contactIds),
      day: firstWholeDay,
      fromHour,
      toHour: firstWholeDay * HOURS_PER_DAY,
    });
    return new Map(rows.map((row) => [row.contact_id, totalsOf(row)]));
  }

  async series(
    workspaceId: string,
    contactId: string,
    granularity: Granularity,
    from: number,
    to: number,
  ): Promise<Map<number, UsageTotals>> {
    const statement = granularity === "hour" ? this.hourlySeries : this.dailySeries;
    const rows = statement.all(workspaceId, contactId, from, to);
    return new Map(rows.map((row) => [row.bucket, totalsOf(row)]));
  }

  async top(
    workspaceId: string,
    by: TopBy,
    fromDay: number,
    toDay: number,
    limit: number,
  ): Promise<TopEntry[]> {
    // The window is an index walk: read inline. Any other period sums the daily totals of every
    // contact active in it, which grows with the workspace: off the event loop when it can be.
    if (this.otherPeriods && !this.topReader.isWindow(workspaceId, fromDay, toDay)) {
      return this.otherPeriods.top(workspaceId, by, fromDay, toDay, limit);
    }
    return this.topReader.top(workspaceId, by, fromDay, toDay, limit);
  }

  async prune(beforeDay: number, batch: number): Promise<number> {
    return this.db
      .transaction(() => {
        let deleted = 0;
        for (const { id: workspaceId } of this.workspaces.all()) {
          if (deleted >= batch) break;
          const windowFirst = this.windowStart.get(workspaceId);
          for (const row of this.oldDays.all(workspaceId, beforeDay, batch - deleted)) {
            const { contact_id, day } = row;
            if (inWindow(windowFirst, day)) {
              this.subtractWindow.run(
                row.cost_micros,
                row.tokens,
                row.requests,
                row.errors,
                workspaceId,
                contact_id,
              );
              this.dropEmptyWindowRow.run(workspaceId, contact_id);
            }
            this.deleteDayEvents.run(workspaceId, contact_id, day * DAY_MS, (day + 1) * DAY_MS);
            this.deleteDayHours.run(
              workspaceId,
              contact_id,
              day * HOURS_PER_DAY,
              (day + 1) * HOURS_PER_DAY,
            );
            this.deleteDay.run(workspaceId, contact_id, day);
            deleted++;
          }
        }
        return deleted;
      })
      .immediate();
  }

  async rollWindow(workspaceId: string, firstDay: number): Promise<void> {
    // Checked before taking the write lock: a window already in place costs one read.
    if (this.windowStart.get(workspaceId) === firstDay) return;
    this.db.transaction(() => this.roll(workspaceId, firstDay)).immediate();
  }

  async rollWindows(firstDay: number): Promise<number> {
    let moved = 0;
    for (const { id } of this.workspaces.all()) {
      if (this.windowStart.get(id) === firstDay) continue;
      this.db.transaction(() => this.roll(id, firstDay)).immediate();
      moved++;
      // Let requests in between workspaces.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return moved;
  }

  private roll(ws: string, firstDay: number): void {
    const current = this.windowStart.get(ws);
    if (current === firstDay) return;
    const end = firstDay + TOP_WINDOW_DAYS;
    if (current === undefined || firstDay < current || firstDay - current >= TOP_WINDOW_DAYS) {
      this.clearWindow.run(ws);
      this.addDaysToWindow.run({ ws, from: firstDay, to: end });
    } else {
      // Forward by less than a window: the days left behind out, the days reached in.
      this.subtractDaysFromWindow.run({ ws, from: current, to: firstDay });
      this.addDaysToWindow.run({ ws, from: current + TOP_WINDOW_DAYS, to: end });
      this.dropEmptyWindowRows.run(ws);
    }
    this.setWindowStart.run(ws, firstDay);
  }

  /** The contact an event names: an _id must exist; a new external_id creates its contact. */
  private resolveContact(
    workspaceId: string,
    ref: string,
    index: number,
    newContact: NewContactFactory,
    outcome: RecordOutcome,
  ): string {
    if (CONTACT_ID_SHAPE.test(ref)) {
      const found = this.contactById.get(workspaceId, ref);
      // Thrown inside the transaction: nothing of the batch is kept.
      if (!found) throw new UnknownContactError(index, ref);
      return found.id;
    }
    const found = this.contactByExternalId.get(workspaceId, ref);
    if (found) return found.id;
    const newest = this.newestContactId.get(workspaceId)?.id ?? undefined;
    const contact = newContact(ref, newest);
    if (newest !== undefined && contact.id <= newest) {
      throw new Error(`new contact id ${contact.id} is not after ${newest}`);
    }
    const row = toRow(contact);
    const { lastInsertRowid } = this.insertContact.run(row);
    this.searchIndex.add(workspaceId, lastInsertRowid, row.search_text);
    outcome.contactsCreated++;
    return contact.id;
  }
}

interface Bucket extends UsageTotals {
  contactId: string;
  bucket: number;
}

function addTo(
  buckets: Map<string, Bucket>,
  contactId: string,
  bucket: number,
  event: UsageEventRecord,
): void {
  const key = `${contactId} ${bucket}`;
  let totals = buckets.get(key);
  if (!totals) {
    totals = { contactId, bucket, costMicros: 0, tokens: 0, requests: 0, errors: 0 };
    buckets.set(key, totals);
  }
  totals.costMicros += event.costMicros;
  totals.tokens += event.tokens;
  totals.requests += 1;
  if (event.error) totals.errors += 1;
}

/** Whether `day` is in the window that starts on `firstDay` (none yet: no day is). */
function inWindow(firstDay: number | undefined, day: number): boolean {
  return firstDay !== undefined && day >= firstDay && day < firstDay + TOP_WINDOW_DAYS;
}
