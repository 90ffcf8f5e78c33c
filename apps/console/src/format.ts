// How numbers and dates read in the console: USD with enough decimals for micro-costs, rates as
// percentages, times in the reader's locale with UTC where a bucket boundary matters.

/** `$1,234.50`; below a dollar up to 6 decimals, as stored (micro-USD): `$0.00042`. */
export function formatCost(usd: number): string {
  return `$${usd.toLocaleString("en-US", {
    minimumFractionDigits: 2,
    maximumFractionDigits: usd < 1 ? 6 : 2,
  })}`;
}

export function formatCount(value: number): string {
  return value.toLocaleString("en-US");
}

export function formatRate(rate: number): string {
  return `${(rate * 100).toLocaleString("en-US", { maximumFractionDigits: 1 })}%`;
}

/** A bucket's start as UTC: `2026-12-02` for a day, `2026-12-02 14:00` for an hour. */
export function formatBucket(start: string, granularity: "hour" | "day"): string {
  return granularity === "day"
    ? start.slice(0, 10)
    : `${start.slice(0, 10)} ${start.slice(11, 16)}`;
}

export function formatDateTime(value: string): string {
  return `${value.slice(0, 10)} ${value.slice(11, 19)} UTC`;
}
