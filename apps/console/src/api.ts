// The console's only way to the API: @contacts/client, with the tab's key. Its errors become
// sentences a person can act on.
import {
  ApiError,
  AuthenticationError,
  ConnectionError,
  type ContactsClient,
  createContactsClient,
  InternalServerError,
  NotFoundError,
  RateLimitError,
  TimeoutError,
} from "@contacts/client";

/** A client of the server that served the console, with `apiKey`. */
export function consoleClient(apiKey: string): ContactsClient {
  return createContactsClient({
    baseUrl: location.origin,
    apiKey,
    // No silent retries: a person is waiting, and the error says when to try again (a 429's
    // Retry-After) and offers a Retry button.
    maxRetries: 0,
    timeoutMs: 15_000,
    // The client never logs headers (so never the key); the console logs nothing at all.
    logLevel: "off",
  });
}

/** What went wrong, for a person. */
export interface Problem {
  /** A sentence saying what happened and what to do. */
  message: string;
  /** The key is no longer accepted: the console signs out. */
  signedOut?: boolean;
  /** For a 429: seconds to wait before retrying. */
  retryAfterSeconds?: number;
}

/** Turns anything a client call threw into a `Problem`. */
export function describeProblem(error: unknown): Problem {
  if (error instanceof AuthenticationError) {
    return {
      message: "This API key is not accepted: it is wrong or has been revoked. Sign in again.",
      signedOut: true,
    };
  }
  if (error instanceof RateLimitError) {
    const seconds = Math.max(1, Math.ceil((error.retryAfterMs ?? 1000) / 1000));
    return {
      message: `Too many requests: the server asks to wait. Try again in ${seconds} second${seconds === 1 ? "" : "s"}.`,
      retryAfterSeconds: seconds,
    };
  }
  if (error instanceof TimeoutError) {
    return { message: "The server did not answer in time. Try again in a moment." };
  }
  if (error instanceof ConnectionError) {
    return {
      message: "The server cannot be reached: it may be down or restarting. Try again in a moment.",
    };
  }
  if (error instanceof NotFoundError) {
    return { message: "There is no such contact in this workspace (it may have been deleted)." };
  }
  if (error instanceof InternalServerError) {
    return { message: `The server failed (request ${error.requestId ?? "unknown"}). Try again.` };
  }
  if (error instanceof ApiError) return { message: error.message };
  return { message: error instanceof Error ? error.message : String(error) };
}
