/** Usage as the domain and its stores see it: events attributed to contacts, and their totals. */

/** One event, checked and converted: times in ms since the epoch, cost in micro-USD. */
export interface UsageEventRecord {
  /** The caller's id of the event, unique per workspace. */
  id: string;
  /** A contact `_id` or `external_id`, as sent. */
  contactRef: string;
  timestamp: number;
  costMicros: number;
  tokens: number;
  error: boolean;
  model: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  latencyMs: number | null;
}

/** Sums over a set of events; cost in micro-USD, so sums are exact integers. */
export interface UsageTotals {
  costMicros: number;
  tokens: number;
  requests: number;
  errors: number;
}

/** What one recorded batch did. */
export interface RecordOutcome {
  accepted: number;
  duplicates: number;
  contactsCreated: number;
}

/**
 * A contact's `metrics`, with the field names of the contract (orq.ai's): what every contact
 * resource carries.
 */
export interface ContactMetrics {
  total_cost: number;
  total_tokens: number;
  total_requests: number;
  error_rate: number;
}

export type Granularity = "hour" | "day";
export type TopBy = "cost" | "tokens" | "requests" | "errors";

export const NO_TOTALS: Readonly<UsageTotals> = Object.freeze({
  costMicros: 0,
  tokens: 0,
  requests: 0,
  errors: 0,
});
