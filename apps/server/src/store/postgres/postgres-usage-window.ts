// Each workspace's top-list window on PostgreSQL (migration 4): per-contact totals of the days
// [first_day, first_day + TOP_WINDOW_DAYS), kept exact by every transaction that changes daily
// totals (ingest, pruning, contact deletes) and moved forward by a roll.
//
// Across replicas, under READ COMMITTED, a per-workspace advisory lock keeps it exact: a writer of
// daily totals takes it shared as its transaction's first statement and applies its window delta
// for the first_day it reads under it; a roll takes it exclusively, then reads first_day and the
// daily totals in later statements. So a roll sees all of a writer's daily totals (the writer
// committed before the roll got the lock) or none of them (the writer reads the new first_day
// after the roll committed), never half. Writers only share it, so ingest never waits for ingest
// here; row locks on the window rows (ON CONFLICT DO UPDATE, in contact order) add up two
// batches for one contact. Ingest and pruning take the lock before any row lock, and a roll
// that holds it waits for nothing, so no deadlock goes through a holder of it. The contact
// store's delete takes it (shared) first as well; the delete trigger takes it again (already
// held) for deletes made by other means, after their row locks: such a delete queued behind a
// waiting roll while an ingest waits for the delete is a cycle through the queue only, which
// PostgreSQL's deadlock check (after deadlock_timeout) resolves by letting the shared request pass.
import { TOP_WINDOW_DAYS } from "../../usage/usage-rules.js";
import { USAGE_WINDOW_LOCK_CLASS } from "./migrations.js";
import type { PoolClient } from "./pool.js";

/** SQL: the workspace `$1`'s window lock, shared (writers of daily totals). */
export const SHARE_WINDOW_LOCK = `pg_advisory_xact_lock_shared(${USAGE_WINDOW_LOCK_CLASS}, hashtext($1::uuid::text))`;

/**
 * Takes the workspace's window lock, shared, as the transaction's first statement, with no
 * statement timeout for the wait alone: a roll of a large workspace can hold it for seconds,
 * and an ingest or a delete behind it should wait, not fail with a timeout.
 */
export async function shareWindowLock(client: PoolClient, workspaceId: string): Promise<void> {
  await client.query("SET LOCAL statement_timeout = 0");
  await client.query(`SELECT ${SHARE_WINDOW_LOCK}`, [workspaceId]);
  // Back to the connection's own setting (PG_STATEMENT_TIMEOUT_MS) for what follows.
  await client.query("RESET statement_timeout");
}

const SUMS = `sum(cost_micros)::bigint AS cost_micros, sum(tokens)::bigint AS tokens,
  sum(requests)::bigint AS requests, sum(errors)::bigint AS errors`;

const ADD_EXCLUDED = `cost_micros = w.cost_micros + excluded.cost_micros,
  tokens = w.tokens + excluded.tokens, requests = w.requests + excluded.requests,
  errors = w.errors + excluded.errors`;

/** A contact's totals of one day, as ingest adds them or pruning takes them away. */
export interface DayTotals {
  contactId: string;
  day: number;
  costMicros: number;
  tokens: number;
  requests: number;
  errors: number;
}

/**
 * Adds (sign 1) or subtracts (sign -1) day totals of workspace `workspaceId` to its window: those
 * of days inside it, for the first_day read now (the caller holds the shared lock). A row left
 * without requests is deleted. One statement each way, rows in contact order.
 */
export async function changeWindow(
  client: PoolClient,
  workspaceId: string,
  days: readonly DayTotals[],
  sign: 1 | -1,
): Promise<void> {
  if (days.length === 0) return;
  const params = [
    workspaceId,
    days.map((d) => d.contactId),
    days.map((d) => d.day),
    days.map((d) => sign * d.costMicros),
    days.map((d) => sign * d.tokens),
    days.map((d) => sign * d.requests),
    days.map((d) => sign * d.errors),
    TOP_WINDOW_DAYS,
  ];
  const inWindow = `SELECT b.contact_id, ${SUMS}
    FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[])
      AS b (contact_id, day, cost_micros, tokens, requests, errors)
    JOIN usage_window_start s
      ON s.workspace_id = $1 AND b.day >= s.first_day AND b.day < s.first_day + $8
    GROUP BY b.contact_id`;
  if (sign === 1) {
    await client.query(
      `INSERT INTO usage_window AS w (workspace_id, contact_id, cost_micros, tokens, requests, errors)
       SELECT $1, contact_id, cost_micros, tokens, requests, errors FROM (${inWindow}) d
       ORDER BY contact_id
       ON CONFLICT (workspace_id, contact_id) DO UPDATE SET ${ADD_EXCLUDED}`,
      params,
    );
    return;
  }
  // A contact without a window row (deleted) has nothing left to subtract.
  await client.query(
    `UPDATE usage_window w SET cost_micros = w.cost_micros + d.cost_micros,
       tokens = w.tokens + d.tokens, requests = w.requests + d.requests, errors = w.errors + d.errors
     FROM (${inWindow}) d WHERE w.workspace_id = $1 AND w.contact_id = d.contact_id`,
    params,
  );
  // A statement of its own: one statement cannot delete a row it also updates.
  await client.query(
    `DELETE FROM usage_window
     WHERE workspace_id = $1 AND contact_id = ANY($2::text[]) AND requests <= 0`,
    [workspaceId, [...new Set(days.map((d) => d.contactId))]],
  );
}

/**
 * Moves the workspace's window to start on `firstDay`, in the caller's transaction, which must be
 * READ COMMITTED with nothing done yet. Resolves to false when it already started there.
 */
export async function rollWindowIn(
  client: PoolClient,
  workspaceId: string,
  firstDay: number,
): Promise<boolean> {
  // Not under the statement timeout: a roll costs a write per contact active on the days it
  // moves over (13 s for a rebuild at 100,000 contacts on a loaded 2-core machine); cancelled,
  // it would roll back, be retried by every top list and never finish.
  await client.query("SET LOCAL statement_timeout = 0");
  await client.query(
    `SELECT pg_advisory_xact_lock(${USAGE_WINDOW_LOCK_CLASS}, hashtext($1::uuid::text))`,
    [workspaceId],
  );
  // Read after the lock, in a statement of its own: its snapshot has every writer before us.
  const { rows } = await client.query<{ first_day: number }>(
    "SELECT first_day FROM usage_window_start WHERE workspace_id = $1",
    [workspaceId],
  );
  const current = rows[0]?.first_day;
  if (current === firstDay) return false;
  const end = firstDay + TOP_WINDOW_DAYS;
  const daysTotals = `SELECT contact_id, ${SUMS} FROM usage_daily
    WHERE workspace_id = $1 AND day >= $2 AND day < $3 GROUP BY contact_id`;
  const addDays = (from: number, to: number) =>
    client.query(
      `INSERT INTO usage_window AS w (workspace_id, contact_id, cost_micros, tokens, requests, errors)
       SELECT $1, contact_id, cost_micros, tokens, requests, errors FROM (${daysTotals}) d
       ON CONFLICT (workspace_id, contact_id) DO UPDATE SET ${ADD_EXCLUDED}`,
      [workspaceId, from, to],
    );
  if (current === undefined || firstDay < current || firstDay - current >= TOP_WINDOW_DAYS) {
    await client.query("DELETE FROM usage_window WHERE workspace_id = $1", [workspaceId]);
    await addDays(firstDay, end);
  } else {
    // Forward by less than a window: the days left behind out, the days reached in.
    await client.query(
      `UPDATE usage_window w SET cost_micros = w.cost_micros - d.cost_micros,
         tokens = w.tokens - d.tokens, requests = w.requests - d.requests, errors = w.errors - d.errors
       FROM (${daysTotals}) d
       WHERE w.workspace_id = $1 AND w.contact_id = d.contact_id`,
      [workspaceId, current, firstDay],
    );
    await addDays(current + TOP_WINDOW_DAYS, end);
    await client.query("DELETE FROM usage_window WHERE workspace_id = $1 AND requests <= 0", [
      workspaceId,
    ]);
  }
  await client.query(
    `INSERT INTO usage_window_start (workspace_id, first_day) VALUES ($1, $2)
     ON CONFLICT (workspace_id) DO UPDATE SET first_day = excluded.first_day`,
    [workspaceId, firstDay],
  );
  return true;
}

/** The first day of the workspace's window (undefined before its first roll). */
export async function windowStart(
  client: Pick<PoolClient, "query">,
  workspaceId: string,
): Promise<number | undefined> {
  const { rows } = await client.query<{ first_day: number }>(
    "SELECT first_day FROM usage_window_start WHERE workspace_id = $1",
    [workspaceId],
  );
  return rows[0]?.first_day;
}
