// UsageStore on PostgreSQL, the design of the SQLite one: a batch is one transaction (events,
// hourly and daily totals, the top-list window, contacts created for new external_ids); reads use
// the totals, never the events. The events' primary key dedupes ids across replicas: of two
// batches with one id sent at once, the second's insert waits for the first's commit and then
// skips the event. The window's concurrency is explained in postgres-usage-window.ts.
import type { ContactRecord } from "../../contacts/contact.js";
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
import type { NewContactFactory, UsageStore } from "../../usage/usage-store.js";
import type { FairTurns } from "../fair-turns.js";
import { HOURS_PER_DAY, RANK_COLUMN, type TotalsRow, totalsOf } from "../usage-rows.js";
import { inTransaction, type Pool, type PoolClient } from "./pool.js";
import { INSERT_CONTACT, insertTags } from "./postgres-contact-writes.js";
import {
  fromPgRow,
  insertValuesOf,
  PG_COLUMNS,
  type PostgresContactRow,
  pgText,
} from "./postgres-rows.js";
import {
  changeWindow,
  type DayTotals,
  rollWindowIn,
  SHARE_WINDOW_LOCK,
  shareWindowLock,
  windowStart,
} from "./postgres-usage-window.js";

const CONTACT_COLUMNS = PG_COLUMNS.split(", ")
  .map((c) => `c.${c}`)
  .join(", ");

const SUMS = `sum(cost_micros)::bigint AS cost_micros, sum(tokens)::bigint AS tokens,
  sum(requests)::bigint AS requests, sum(errors)::bigint AS errors`;

export interface PostgresUsageStoreOptions {
  /**
   * Turns that top lists summing daily totals (any period but the window) take for their
   * connections (fair-turns.ts): their cost grows with the contacts active in the period.
   */
  otherPeriods?: FairTurns;
}

export class PostgresUsageStore implements UsageStore {
  private readonly otherPeriods: FairTurns | undefined;

  constructor(
    private readonly pool: Pool,
    options: PostgresUsageStoreOptions = {},
  ) {
    this.otherPeriods = options.otherPeriods;
  }

  async record(
    workspaceId: string,
    events: readonly UsageEventRecord[],
    newContact: NewContactFactory,
  ): Promise<RecordOutcome> {
    return inTransaction(this.pool, async ({ client }) => {
      const outcome: RecordOutcome = { accepted: 0, duplicates: 0, contactsCreated: 0 };
      // The window lock (shared) first, before any row lock: see postgres-usage-window.ts.
      await shareWindowLock(client, workspaceId);
      const { rows: lockedRows } = await client.query<{ known: string[] }>(
        `SELECT array(SELECT event_id FROM usage_events
           WHERE workspace_id = $1 AND event_id = ANY($2::text[])) AS known`,
        [workspaceId, events.map((event) => pgText(event.id))],
      );
      const seen = new Set(lockedRows[0]?.known ?? []);
      // The events to store, in order, each with its contact; unknown _ids fail the batch.
      const fresh: { event: UsageEventRecord; contactId: string }[] = [];
      const contactIds = new Map<string, string>();
      for (const [index, event] of events.entries()) {
        if (seen.has(pgText(event.id))) {
          outcome.duplicates++;
          continue;
        }
        seen.add(pgText(event.id));
        let contactId = contactIds.get(event.contactRef);
        if (contactId === undefined) {
          contactId = await this.resolveContact(
            client,
            workspaceId,
            event.contactRef,
            index,
            newContact,
            outcome,
          );
          contactIds.set(event.contactRef, contactId);
        }
        fresh.push({ event, contactId });
      }
      if (fresh.length === 0) return outcome;
      // Another replica may have stored some of these ids since the first read: those are
      // skipped here (the insert waits for that batch to commit) and counted as duplicates.
      // In id order, as every batch writes them: two batches never wait on each other in a cycle.
      const ordered = [...fresh].sort((a, b) => (a.event.id < b.event.id ? -1 : 1));
      const { rows: inserted } = await client.query<{ event_id: string }>(
        `INSERT INTO usage_events (workspace_id, event_id, contact_id, ts, cost_micros, tokens,
           error, model, input_tokens, output_tokens, latency_ms)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[],
           $7::boolean[], $8::text[], $9::bigint[], $10::bigint[], $11::float8[])
         ON CONFLICT (workspace_id, event_id) DO NOTHING
         RETURNING event_id`,
        [
          workspaceId,
          ordered.map((f) => pgText(f.event.id)),
          ordered.map((f) => f.contactId),
          ordered.map((f) => f.event.timestamp),
          ordered.map((f) => f.event.costMicros),
          ordered.map((f) => f.event.tokens),
          ordered.map((f) => f.event.error),
          ordered.map((f) => (f.event.model === null ? null : pgText(f.event.model))),
          ordered.map((f) => f.event.inputTokens),
          ordered.map((f) => f.event.outputTokens),
          ordered.map((f) => f.event.latencyMs),
        ],
      );
      const stored = new Set(inserted.map((row) => row.event_id));
      // Summed per (contact, bucket) first: one row per bucket, not per event.
      const hourly = new Map<string, Bucket>();
      const daily = new Map<string, Bucket>();
      for (const { event, contactId } of fresh) {
        if (!stored.has(pgText(event.id))) {
          outcome.duplicates++;
          continue;
        }
        addTo(hourly, contactId, Math.floor(event.timestamp / HOUR_MS), event);
        addTo(daily, contactId, Math.floor(event.timestamp / DAY_MS), event);
        outcome.accepted++;
      }
      await addTotals(client, "usage_hourly", "hour", workspaceId, hourly);
      await addTotals(client, "usage_daily", "day", workspaceId, daily);
      // Days past the window's end are added when the window reaches them (rollWindow).
      const days: DayTotals[] = [...daily.values()].map((b) => ({ ...b, day: b.bucket }));
      await changeWindow(client, workspaceId, days, 1);
      return outcome;
    });
  }

  async totalsSince(
    workspaceId: string,
    contactIds: readonly string[],
    fromHour: number,
  ): Promise<Map<string, UsageTotals>> {
    if (contactIds.length === 0) return new Map();
    const firstWholeDay = Math.ceil(fromHour / HOURS_PER_DAY);
    // Whole days from the daily totals, the window's first partial day from the hourly ones.
    const { rows } = await this.pool.query<TotalsRow & { contact_id: string }>(
      `SELECT contact_id, ${SUMS} FROM (
         SELECT contact_id, cost_micros, tokens, requests, errors FROM usage_daily
         WHERE workspace_id = $1 AND contact_id = ANY($2::text[]) AND day >= $3
         UNION ALL
         SELECT contact_id, cost_micros, tokens, requests, errors FROM usage_hourly
         WHERE workspace_id = $1 AND contact_id = ANY($2::text[]) AND hour >= $4 AND hour < $5
       ) t GROUP BY contact_id`,
      [workspaceId, contactIds, firstWholeDay, fromHour, firstWholeDay * HOURS_PER_DAY],
    );
    return new Map(rows.map((row) => [row.contact_id, totalsOf(row)]));
  }

  async series(
    workspaceId: string,
    contactId: string,
    granularity: Granularity,
    from: number,
    to: number,
  ): Promise<Map<number, UsageTotals>> {
    const [table, bucket] =
      granularity === "hour" ? ["usage_hourly", "hour"] : ["usage_daily", "day"];
    const { rows } = await this.pool.query<TotalsRow & { bucket: number }>(
      `SELECT ${bucket} AS bucket, cost_micros, tokens, requests, errors FROM ${table}
       WHERE workspace_id = $1 AND contact_id = $2 AND ${bucket} >= $3 AND ${bucket} < $4`,
      [workspaceId, contactId, from, to],
    );
    return new Map(rows.map((row) => [row.bucket, totalsOf(row)]));
  }

  async top(
    workspaceId: string,
    by: TopBy,
    fromDay: number,
    toDay: number,
    limit: number,
  ): Promise<{ contact: ContactRecord; totals: UsageTotals }[]> {
    if (toDay - fromDay === TOP_WINDOW_DAYS) {
      const fromWindow = await this.windowTop(workspaceId, by, fromDay, limit);
      if (fromWindow) return fromWindow;
    }
    const summed = () => this.summedTop(workspaceId, by, fromDay, toDay, limit);
    return this.otherPeriods ? this.otherPeriods.run(workspaceId, summed) : summed();
  }

  /** The top list summed from every active contact's daily totals in `[fromDay, toDay)`. */
  private async summedTop(
    workspaceId: string,
    by: TopBy,
    fromDay: number,
    toDay: number,
    limit: number,
  ): Promise<{ contact: ContactRecord; totals: UsageTotals }[]> {
    const column = RANK_COLUMN[by];
    // One statement: one snapshot for the totals and the contacts they name.
    const { rows } = await this.pool.query<TotalsRow & PostgresContactRow & { contact_id: string }>(
      `WITH ranked AS (
         SELECT contact_id, ${SUMS} FROM usage_daily
         WHERE workspace_id = $1 AND day >= $2 AND day < $3
         GROUP BY contact_id HAVING sum(${column}) > 0
         ORDER BY sum(${column}) DESC, contact_id DESC LIMIT $4)
       SELECT r.contact_id, r.cost_micros, r.tokens, r.requests, r.errors, ${CONTACT_COLUMNS}
       FROM ranked r JOIN contacts c ON c.workspace_id = $1 AND c.id = r.contact_id
       ORDER BY r.${column} DESC, r.contact_id DESC`,
      [workspaceId, fromDay, toDay, limit],
    );
    return rows.map((row) => ({ contact: fromPgRow(row), totals: totalsOf(row) }));
  }

  /**
   * The top list off the window's index for `by`, when the window starts on `fromDay`; undefined
   * when it does not (never rolled, or another period). One statement: the window's first day
   * and its rows are of one snapshot, so a roll on another replica cannot come in between.
   */
  private async windowTop(
    workspaceId: string,
    by: TopBy,
    fromDay: number,
    limit: number,
  ): Promise<{ contact: ContactRecord; totals: UsageTotals }[] | undefined> {
    const column = RANK_COLUMN[by];
    // The join to contacts is inside the walk: a row whose contact is gone takes no place.
    const { rows } = await this.pool.query<
      { first_day: number } & TotalsRow & PostgresContactRow & { contact_id: string | null }
    >(
      `SELECT s.first_day, t.* FROM usage_window_start s
       LEFT JOIN LATERAL (
         SELECT w.contact_id, w.cost_micros, w.tokens, w.requests, w.errors, ${CONTACT_COLUMNS}
         FROM usage_window w JOIN contacts c ON c.workspace_id = w.workspace_id AND c.id = w.contact_id
         WHERE w.workspace_id = $1 AND w.${column} > 0 AND s.first_day = $2
         ORDER BY w.${column} DESC, w.contact_id DESC LIMIT $3
       ) t ON true
       WHERE s.workspace_id = $1`,
      [workspaceId, fromDay, limit],
    );
    if (rows[0]?.first_day !== fromDay) return undefined;
    return rows.flatMap((row) =>
      row.contact_id === null ? [] : [{ contact: fromPgRow(row), totals: totalsOf(row) }],
    );
  }

  async rollWindow(workspaceId: string, firstDay: number): Promise<void> {
    // Checked before taking the lock: a window already in place costs one read.
    if ((await windowStart(this.pool, workspaceId)) === firstDay) return;
    await inTransaction(this.pool, ({ client }) => rollWindowIn(client, workspaceId, firstDay));
  }

  async rollWindows(firstDay: number): Promise<number> {
    const { rows } = await this.pool.query<{ id: string }>(
      `SELECT w.id FROM workspaces w LEFT JOIN usage_window_start s ON s.workspace_id = w.id
       WHERE s.first_day IS DISTINCT FROM $1 ORDER BY w.id`,
      [firstDay],
    );
    let moved = 0;
    // Each in its own transaction: a workspace's roll holds only its own lock, briefly.
    for (const { id } of rows) {
      if (await inTransaction(this.pool, ({ client }) => rollWindowIn(client, id, firstDay))) {
        moved++;
      }
    }
    return moved;
  }

  async prune(beforeDay: number, batch: number): Promise<number> {
    return inTransaction(this.pool, async ({ client }) => {
      // The window locks (shared) of the workspaces to prune first, before any row lock.
      const { rows: workspaces } = await client.query<{ workspace_id: string }>(
        `SELECT DISTINCT workspace_id FROM
           (SELECT workspace_id FROM usage_daily WHERE day < $1 LIMIT $2) old
         ORDER BY workspace_id`,
        [beforeDay, batch],
      );
      const workspaceIds = workspaces.map((row) => row.workspace_id);
      for (const id of workspaceIds) {
        await client.query(`SELECT ${SHARE_WINDOW_LOCK}`, [id]);
      }
      const { rows } = await client.query<TotalsRow & DayRow>(
        `DELETE FROM usage_daily WHERE (workspace_id, contact_id, day) IN
           (SELECT workspace_id, contact_id, day FROM usage_daily
            WHERE workspace_id = ANY($3::uuid[]) AND day < $1 LIMIT $2)
         RETURNING workspace_id, contact_id, day, cost_micros, tokens, requests, errors`,
        [beforeDay, batch, workspaceIds],
      );
      for (const { workspace_id, contact_id, day } of rows) {
        await client.query(
          "DELETE FROM usage_events WHERE workspace_id = $1 AND contact_id = $2 AND ts >= $3 AND ts < $4",
          [workspace_id, contact_id, day * DAY_MS, (day + 1) * DAY_MS],
        );
        await client.query(
          "DELETE FROM usage_hourly WHERE workspace_id = $1 AND contact_id = $2 AND hour >= $3 AND hour < $4",
          [workspace_id, contact_id, day * HOURS_PER_DAY, (day + 1) * HOURS_PER_DAY],
        );
      }
      // Pruned days inside a window (one not rolled for long, or a test's) leave it too.
      for (const id of workspaceIds) {
        const days: DayTotals[] = rows
          .filter((row) => row.workspace_id === id)
          .map((row) => ({ ...totalsOf(row), contactId: row.contact_id, day: row.day }));
        await changeWindow(client, id, days, -1);
      }
      return rows.length;
    });
  }

  /** The contact an event names: an _id must exist; a new external_id creates its contact. */
  private async resolveContact(
    client: PoolClient,
    workspaceId: string,
    ref: string,
    index: number,
    newContact: NewContactFactory,
    outcome: RecordOutcome,
  ): Promise<string> {
    const byId = CONTACT_ID_SHAPE.test(ref);
    // FOR KEY SHARE: a delete of the contact waits for this batch (its trigger then sees and
    // deletes the batch's usage), or this batch waits for the delete and finds no contact; a
    // PATCH (no key change) does not wait.
    const { rows } = await client.query<{ id: string }>(
      `SELECT id FROM contacts WHERE workspace_id = $1 AND ${byId ? "id" : "external_id"} = $2
       FOR KEY SHARE`,
      [workspaceId, ref],
    );
    if (rows[0]) return rows[0].id;
    // Thrown inside the transaction: nothing of the batch is kept.
    if (byId) throw new UnknownContactError(index, ref);
    const { rows: newest } = await client.query<{ id: string | null }>(
      "SELECT max(id) AS id FROM contacts WHERE workspace_id = $1",
      [workspaceId],
    );
    const contact = newContact(ref, newest[0]?.id ?? undefined);
    // A concurrent batch (or create) may make the same external_id first: then use its contact.
    const created = await client.query(
      `${INSERT_CONTACT} ON CONFLICT (workspace_id, external_id) DO NOTHING`,
      insertValuesOf(contact),
    );
    if (created.rowCount === 1) {
      await insertTags(client, workspaceId, contact.id, contact.tags);
      outcome.contactsCreated++;
      return contact.id;
    }
    const { rows: existing } = await client.query<{ id: string }>(
      "SELECT id FROM contacts WHERE workspace_id = $1 AND external_id = $2 FOR KEY SHARE",
      [workspaceId, ref],
    );
    if (!existing[0]) throw new Error(`contact ${ref} neither created nor found`);
    return existing[0].id;
  }
}

interface Bucket extends UsageTotals {
  contactId: string;
  bucket: number;
}

interface DayRow {
  workspace_id: string;
  contact_id: string;
  day: number;
}

/** Adds each bucket's sums to its totals row, in one statement. */
async function addTotals(
  client: PoolClient,
  table: "usage_hourly" | "usage_daily",
  bucket: "hour" | "day",
  workspaceId: string,
  buckets: Map<string, Bucket>,
): Promise<void> {
  if (buckets.size === 0) return;
  // In key order, as every batch writes them: no two batches wait on each other in a cycle.
  const all = [...buckets.values()].sort((a, b) =>
    a.contactId === b.contactId ? a.bucket - b.bucket : a.contactId < b.contactId ? -1 : 1,
  );
  await client.query(
    `INSERT INTO ${table} AS t (workspace_id, contact_id, ${bucket}, cost_micros, tokens, requests, errors)
     SELECT $1, * FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[])
     ON CONFLICT (workspace_id, contact_id, ${bucket}) DO UPDATE SET
       cost_micros = t.cost_micros + excluded.cost_micros, tokens = t.tokens + excluded.tokens,
       requests = t.requests + excluded.requests, errors = t.errors + excluded.errors`,
    [
      workspaceId,
      all.map((b) => b.contactId),
      all.map((b) => b.bucket),
      all.map((b) => b.costMicros),
      all.map((b) => b.tokens),
      all.map((b) => b.requests),
      all.map((b) => b.errors),
    ],
  );
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
