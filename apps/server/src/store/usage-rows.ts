// Usage totals as both stores keep them (the same column names on SQLite and PostgreSQL), and
// their mapping to the domain's UsageTotals.
import type { TopBy, UsageTotals } from "../usage/usage.js";

export interface TotalsRow {
  cost_micros: number;
  tokens: number;
  requests: number;
  errors: number;
}

/** The column a top list ranks by; spliced into SQL, so only these names reach it. */
export const RANK_COLUMN: Record<TopBy, keyof TotalsRow> = {
  cost: "cost_micros",
  tokens: "tokens",
  requests: "requests",
  errors: "errors",
};

export const HOURS_PER_DAY = 24;

export function totalsOf(row: TotalsRow): UsageTotals {
  return {
    costMicros: row.cost_micros,
    tokens: row.tokens,
    requests: row.requests,
    errors: row.errors,
  };
}
