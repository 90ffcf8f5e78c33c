/** The rules of usage: buckets, the metrics window, micro-USD, and what a batch may hold. */
import type { UsageEvent } from "@contacts/api-types";
import { ContactValidationError, type FieldProblem } from "../contacts/contact-errors.js";
import { MAX_TEXT_LENGTHS, toNfc } from "../contacts/contact-rules.js";

import type { ContactMetrics, Granularity, UsageEventRecord, UsageTotals } from "./usage.js";

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** `metrics` covers the current UTC hour and the 719 before it: 30 days, counted by the hour. */
export const METRICS_WINDOW_HOURS = 720;
/** How far ahead of the server's clock an event may be stamped. */
export const MAX_FUTURE_MS = 5 * 60_000;
export const DEFAULT_RETENTION_DAYS = 400;
/** Most buckets one usage series may hold, by granularity. */
export const MAX_BUCKETS: Record<Granularity, number> = { hour: 744, day: 400 };
/** Default period of a series and of the top list. */
export const DEFAULT_PERIOD_DAYS = 30;
export const MAX_TOP_DAYS = 400;
/**
 * Days of a workspace's top-list window: the default top period, whose per-contact totals are
 * kept ready (the store's window), so that list is an index walk.
 */
export const TOP_WINDOW_DAYS = DEFAULT_PERIOD_DAYS;
/** Most events one batch may hold (openapi.yaml says the same; a test ties the two). */
export const MAX_BATCH_EVENTS = 1000;

/** USD → micro-USD, rounded to the nearest: sums of integers never drift. */
export function toMicros(usd: number): number {
  return Math.round(usd * 1e6);
}

/** The first hour counted in `metrics` at `now`. */
export function metricsWindowStartHour(now: number): number {
  return Math.floor(now / HOUR_MS) - (METRICS_WINDOW_HOURS - 1);
}

/** Totals in the contract's shape; cost back in USD (the double nearest the exact sum). */
export function toMetrics(totals: UsageTotals): ContactMetrics {
  return {
    total_cost: totals.costMicros / 1e6,
    total_tokens: totals.tokens,
    total_requests: totals.requests,
    error_rate: totals.requests === 0 ? 0 : totals.errors / totals.requests,
  };
}

export function bucketMs(granularity: Granularity): number {
  return granularity === "hour" ? HOUR_MS : DAY_MS;
}

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Milliseconds since the epoch of an RFC 3339 date-time the validator accepted (fractions past
 * the millisecond are dropped); NaN for what it accepts but no clock can hold (a leap second).
 */
export function parseDateTime(text: string): number {
  const m = DATE_TIME.exec(text);
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, s, frac = "", z, sign, oh = "0", om = "0"] = m;
  if (Number(s) > 59) return Number.NaN;
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  // Date.UTC reads years 0–99 as 1900–1999; those are long past any retention anyway.
  if (Number(y) < 100) return Number.NaN;
  const ms = Number(frac.slice(0, 3).padEnd(3, "0"));
  const offset = z ? 0 : (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000;
  return utc + ms - offset;
}

/** A UTC day (`YYYY-MM-DD`, validated as a date) as a day number. */
export function dayNumber(date: string): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

/**
 * Checks what the schema cannot (timestamps against the clock and the retention period, lone
 * surrogates) and converts the batch. Every problem is reported, each with its event's path.
 */
export function checkBatch(
  events: readonly UsageEvent[],
  now: number,
  retentionDays: number,
): { records: UsageEventRecord[]; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const oldest = retentionStartDay(now, retentionDays) * DAY_MS;
  const records = events.map((event, index): UsageEventRecord => {
    const at = (field: string) => `/body/events/${index}/${field}`;
    for (const field of ["id", "contact", "model"] as const) {
      const value = event[field];
      if (value !== undefined && !value.isWellFormed()) {
        problems.push({ path: at(field), message: "must be valid Unicode (no lone surrogates)" });
      }
    }
    const timestamp = parseDateTime(event.timestamp);
    if (Number.isNaN(timestamp)) {
      problems.push({ path: at("timestamp"), message: "must be a date-time a clock can show" });
    } else if (timestamp > now + MAX_FUTURE_MS) {
      problems.push({ path: at("timestamp"), message: "must be at most 5 minutes in the future" });
    } else if (timestamp < oldest) {
      problems.push({
        path: at("timestamp"),
        message: `must be within the retention period (${retentionDays} days)`,
      });
    }
    return {
      id: event.id,
      // As every other way in: an external_id in NFC (é spelled either way is one contact).
      contactRef: nfcRef(event.contact, at("contact"), problems),
      timestamp,
      costMicros: toMicros(event.cost),
      tokens: event.tokens,
      error: event.error ?? false,
      model: event.model ?? null,
      inputTokens: event.input_tokens ?? null,
      outputTokens: event.output_tokens ?? null,
      latencyMs: event.latency_ms ?? null,
    };
  });
  return { records, problems };
}

/** The first UTC day kept: events of earlier days are pruned, and refused on the way in. */
export function retentionStartDay(now: number, retentionDays: number): number {
  return Math.floor(now / DAY_MS) - retentionDays;
}

/**
 * The buckets of a series: `from` rounded down, `to` up; defaults end with the current bucket and
 * cover 30 days. Problems name the query parameter at fault.
 */
export function seriesBuckets(
  now: number,
  granularity: Granularity,
  fromText: string | undefined,
  toText: string | undefined,
): { from: number; to: number; problems: FieldProblem[] } {
  const size = bucketMs(granularity);
  const problems: FieldProblem[] = [];
  const fromMs = fromText === undefined ? undefined : parseDateTime(fromText);
  const toMs = toText === undefined ? undefined : parseDateTime(toText);
  for (const [name, value] of [
    ["from", fromMs],
    ["to", toMs],
  ] as const) {
    if (value !== undefined && Number.isNaN(value)) {
      problems.push({ path: `/query/${name}`, message: "must be a date-time a clock can show" });
    }
  }
  if (problems.length > 0) return { from: 0, to: 0, problems };
  const to = toMs === undefined ? Math.floor(now / size) + 1 : Math.ceil(toMs / size);
  const from =
    fromMs === undefined ? to - (DEFAULT_PERIOD_DAYS * DAY_MS) / size : Math.floor(fromMs / size);
  if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs) {
    problems.push({ path: "/query/from", message: "must be before to" });
  } else if (to - from > MAX_BUCKETS[granularity]) {
    problems.push({
      path: "/query/from",
      message: `the period covers ${to - from} ${granularity}s; at most ${MAX_BUCKETS[granularity]}`,
    });
  } else if (from >= to) {
    problems.push({ path: "/query/from", message: "must be before to" });
  }
  return { from, to, problems };
}

/** The first day of the top-list window at `now`: the default top period, today included. */
export function topWindowFirstDay(now: number): number {
  return Math.floor(now / DAY_MS) + 1 - TOP_WINDOW_DAYS;
}

/** The days of a top list: defaults to the last 30 days, today included. */
export function topDays(
  now: number,
  fromDate: string | undefined,
  toDate: string | undefined,
): { from: number; to: number; problems: FieldProblem[] } {
  const to = toDate === undefined ? Math.floor(now / DAY_MS) + 1 : dayNumber(toDate);
  const from = fromDate === undefined ? to - DEFAULT_PERIOD_DAYS : dayNumber(fromDate);
  const problems: FieldProblem[] = [];
  if (from >= to) problems.push({ path: "/query/from", message: "must be before to" });
  else if (to - from > MAX_TOP_DAYS) {
    problems.push({
      path: "/query/from",
      message: `the period covers ${to - from} days; at most ${MAX_TOP_DAYS}`,
    });
  }
  return { from, to, problems };
}

/** A contact ref in NFC; one that NFC makes longer than an external_id may be is a problem. */
function nfcRef(ref: string, path: string, problems: FieldProblem[]): string {
  try {
    return toNfc(ref, path, MAX_TEXT_LENGTHS.externalId);
  } catch (error) {
    if (!(error instanceof ContactValidationError)) throw error;
    problems.push(...error.problems);
    return ref;
  }
}
