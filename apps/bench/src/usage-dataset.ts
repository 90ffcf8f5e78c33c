// Deterministic usage events for the benches, and the two ways of writing them that they compare:
// the server's usage store (events plus hourly and daily totals, one transaction per 1000) and a
// raw batched INSERT of the same event rows; and a bulk load for data sets too large for the
// record path's rate (the events by raw INSERT, then their totals by GROUP BY).
import type { SqliteStores, Stores } from "../../server/src/server-store.js";
import type { SqliteDatabase } from "../../server/src/store/sqlite/database.js";
import type { UsageEventRecord } from "../../server/src/usage/usage.js";

const MODELS = ["gpt-4o-mini", "gpt-4o", "claude-3-5-sonnet", "llama-3.1-70b"];
const MINUTE = 60_000;
const HOUR_MS = 3_600_000;

/**
 * The k-th event of a data set of `label`: its contact is drawn from `contacts` by a scrambled k
 * (evenly, in random order), its time spread over the `spanDays` before `now`.
 */
export function usageEventAt(
  label: string,
  k: number,
  contacts: readonly string[],
  now: number,
  spanDays: number,
): UsageEventRecord {
  const h = Math.imul(k, 0x9e3779b1) >>> 0;
  const tokens = 200 + (h % 4000);
  return {
    id: `${label}-${k.toString(36)}`,
    contactRef: contacts[h % contacts.length] as string,
    timestamp: now - ((h >>> 3) % (spanDays * 24 * 60)) * MINUTE - (k % MINUTE),
    costMicros: tokens * 3,
    tokens,
    error: h % 50 === 0,
    model: MODELS[h % MODELS.length] as string,
    inputTokens: Math.floor(tokens * 0.8),
    outputTokens: tokens - Math.floor(tokens * 0.8),
    latencyMs: 300 + (h % 2000),
  };
}

/** The wire form of an event, as POST /v2/usage takes it. */
export function wireEvent(event: UsageEventRecord): Record<string, unknown> {
  return {
    id: event.id,
    contact: event.contactRef,
    timestamp: new Date(event.timestamp).toISOString(),
    cost: event.costMicros / 1e6,
    tokens: event.tokens,
    error: event.error,
    model: event.model,
    input_tokens: event.inputTokens,
    output_tokens: event.outputTokens,
    latency_ms: event.latencyMs,
  };
}

/**
 * Seeds `n` events through the server's usage store (its record path: dedupe, totals, window),
 * `batch` per transaction (1000 by default, as the API; larger batches dirty each page of the
 * totals once per commit instead of once per 1000 events); resolves to events/s.
 */
export async function seedUsageThroughStore(
  stores: Stores,
  workspaceId: string,
  contacts: readonly string[],
  n: number,
  options: {
    label: string;
    now: number;
    spanDays: number;
    batch?: number;
    progress?: (done: number) => void;
  },
): Promise<number> {
  const size = options.batch ?? 1000;
  const started = performance.now();
  for (let start = 0; start < n; start += size) {
    const batch: UsageEventRecord[] = [];
    for (let k = start; k < Math.min(n, start + size); k++) {
      batch.push(usageEventAt(options.label, k, contacts, options.now, options.spanDays));
    }
    await stores.usage.record(workspaceId, batch, () => {
      throw new Error("every contact of the data set exists");
    });
    options.progress?.(Math.min(n, start + size));
  }
  return n / ((performance.now() - started) / 1000);
}

/**
 * The reference: the same event rows by a prepared INSERT, 1000 per transaction, into the same
 * table (no totals, no dedupe lookup, no contact resolution); resolves to events/s.
 */
export function rawUsageInsert(
  db: SqliteDatabase,
  workspaceId: string,
  contacts: readonly string[],
  n: number,
  options: {
    label: string;
    now: number;
    spanDays: number;
    batch?: number;
    progress?: (done: number) => void;
  },
): number {
  const size = options.batch ?? 1000;
  const insert = db.prepare(
    `INSERT INTO usage_events (workspace_id, event_id, contact_id, ts, cost_micros, tokens, error,
       model, input_tokens, output_tokens, latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertBatch = db.transaction((start: number, end: number) => {
    for (let k = start; k < end; k++) {
      const e = usageEventAt(options.label, k, contacts, options.now, options.spanDays);
      insert.run(
        workspaceId,
        e.id,
        e.contactRef,
        e.timestamp,
        e.costMicros,
        e.tokens,
        e.error ? 1 : 0,
        e.model,
        e.inputTokens,
        e.outputTokens,
        e.latencyMs,
      );
    }
  });
  const started = performance.now();
  for (let start = 0; start < n; start += size) {
    insertBatch(start, Math.min(n, start + size));
    options.progress?.(Math.min(n, start + size));
  }
  return n / ((performance.now() - started) / 1000);
}

/**
 * Loads `n` events in bulk, for data sets the record path would take hours to write on a small
 * machine: the events by rawUsageInsert, then the hourly and daily totals summed from them by
 * GROUP BY — the rows the record path keeps, by the definition it keeps them to (per contact
 * and UTC hour or day: cost, tokens, events, errors) — then the top window built by the store's
 * own rollWindow. Throws when the totals do not sum to the events.
 */
export async function seedUsageInBulk(
  stores: SqliteStores,
  topWindowFirstDay: (now: number) => number,
  workspaceId: string,
  contacts: readonly string[],
  n: number,
  options: {
    label: string;
    now: number;
    spanDays: number;
    batch: number;
    progress?: (done: number) => void;
  },
): Promise<number> {
  const db = stores.database;
  const started = performance.now();
  rawUsageInsert(db, workspaceId, contacts, n, options);
  db.transaction(() => {
    db.prepare(
      `INSERT INTO usage_hourly (workspace_id, contact_id, hour, cost_micros, tokens, requests, errors)
       SELECT workspace_id, contact_id, ts / ${HOUR_MS}, sum(cost_micros), sum(tokens), count(*),
         sum(error)
       FROM usage_events WHERE workspace_id = ? GROUP BY contact_id, ts / ${HOUR_MS}`,
    ).run(workspaceId);
    db.prepare(
      `INSERT INTO usage_daily (workspace_id, contact_id, day, cost_micros, tokens, requests, errors)
       SELECT workspace_id, contact_id, hour / 24, sum(cost_micros), sum(tokens), sum(requests),
         sum(errors)
       FROM usage_hourly WHERE workspace_id = ? GROUP BY contact_id, hour / 24`,
    ).run(workspaceId);
  })();
  const sums = (sql: string) => JSON.stringify(db.prepare(sql).get(workspaceId));
  const events = sums(
    "SELECT count(*) AS r, sum(error) AS e, sum(cost_micros) AS c FROM usage_events WHERE workspace_id = ?",
  );
  for (const table of ["usage_hourly", "usage_daily"]) {
    const totals = sums(
      `SELECT sum(requests) AS r, sum(errors) AS e, sum(cost_micros) AS c FROM ${table} WHERE workspace_id = ?`,
    );
    if (totals !== events) throw new Error(`${table} sums ${totals}, the events ${events}`);
  }
  await stores.usage.rollWindow(workspaceId, topWindowFirstDay(options.now));
  return n / ((performance.now() - started) / 1000);
}
