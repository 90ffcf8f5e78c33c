/** When and how long to wait before retrying. Pure functions: the clock and randomness are passed. */

/** The first retry waits about this long; each later one twice as long as the one before. */
export const INITIAL_RETRY_DELAY_MS = 500;
/** No backoff delay is longer than this. */
export const MAX_RETRY_DELAY_MS = 8_000;
/** A server that asks to wait longer than this gets its error thrown instead of a retry. */
export const MAX_RETRY_AFTER_MS = 60_000;

/** Statuses worth retrying for a request that is safe to repeat. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * How long the server asked to wait: `retry-after-ms` (milliseconds), else `Retry-After` in
 * seconds or as an HTTP date. Undefined when neither is there or readable.
 */
export function retryAfterMs(headers: Headers, now: number): number | undefined {
  const milliseconds = headers.get("retry-after-ms");
  if (milliseconds !== null && /^\s*\d+(\.\d+)?\s*$/.test(milliseconds))
    return Number(milliseconds);
  const retryAfter = headers.get("retry-after")?.trim();
  if (retryAfter === undefined || retryAfter === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(retryAfter)) return Number(retryAfter) * 1000;
  // An HTTP date names its weekday and month; anything else (e.g. "-1") is not one.
  const date = /[a-z]/i.test(retryAfter) ? Date.parse(retryAfter) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Exponential backoff: 0.5 s, 1 s, 2 s, 4 s, then 8 s, each shortened by a random 0–25 %. */
export function backoffMs(retry: number, random: () => number): number {
  const base = Math.min(INITIAL_RETRY_DELAY_MS * 2 ** retry, MAX_RETRY_DELAY_MS);
  return base * (1 - random() * 0.25);
}

/**
 * The wait before retry number `retry` (0 for the first): what the server asked for, else the
 * backoff. Undefined means "do not retry": the server asked for more than a minute.
 */
export function retryDelayMs(
  retry: number,
  headers: Headers | undefined,
  now: number,
  random: () => number,
): number | undefined {
  const asked = headers && retryAfterMs(headers, now);
  if (asked === undefined) return backoffMs(retry, random);
  return asked <= MAX_RETRY_AFTER_MS ? asked : undefined;
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
