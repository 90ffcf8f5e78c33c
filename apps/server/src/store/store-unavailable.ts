// Which errors of the database drivers mean "the database did not answer in time, try again
// later" (503 with Retry-After), as opposed to a bug (500). Read by the HTTP layer's error
// mapping; the stores let these errors through as the drivers raise them.

/** PostgreSQL SQLSTATEs of a database that is going away, overloaded, or cancelled a statement. */
const UNAVAILABLE_SQLSTATES = new Set([
  "57014", // query_canceled: PG_STATEMENT_TIMEOUT_MS (the store cancels nothing else)
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now: starting up or in recovery
  "53300", // too_many_connections
  "40001", // serialization_failure
  "40P01", // deadlock_detected: the transaction was rolled back
]);

/** Socket errors of a database that cannot be reached. */
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);

/**
 * node-postgres raises these as plain Errors: no pooled connection within the connect timeout,
 * and a connection that ended under a query.
 */
const UNAVAILABLE_MESSAGES = [
  /^timeout exceeded when trying to connect$/,
  /^Connection terminated (unexpectedly|due to connection timeout)$/,
  /^Client has encountered a connection error and is not queryable$/,
];

/** SQLite: another connection held the lock past the busy timeout. */
const SQLITE_BUSY = /^SQLITE_BUSY/;

export function isStoreUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") {
    if (code.length === 5 && (UNAVAILABLE_SQLSTATES.has(code) || code.startsWith("08"))) {
      return true;
    }
    if (UNREACHABLE_CODES.has(code) || SQLITE_BUSY.test(code)) return true;
  }
  // A connection attempt that failed on several addresses (localhost: ::1 and 127.0.0.1).
  if (error instanceof AggregateError && error.errors.some(isStoreUnavailable)) return true;
  return UNAVAILABLE_MESSAGES.some((message) => message.test(error.message));
}
