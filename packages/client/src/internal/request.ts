import type { paths } from "@contacts/api-types";
import type { Client } from "openapi-fetch";
import { AbortError, type ApiError, apiErrorOf, ConnectionError, TimeoutError } from "./errors.js";
import type { Logger } from "./logging.js";
import { isRetryableStatus, retryDelayMs } from "./retry.js";
import type { FetchLike } from "./types.js";

/** Options every method takes, overriding the client's for one call. */
export interface RequestOptions {
  /** Aborts the call (and its retries): it rejects with an `AbortError`. */
  signal?: AbortSignal | undefined;
  /** How long one attempt may take, in milliseconds, before it fails with a `TimeoutError`. */
  timeoutMs?: number | undefined;
  /** How many times to retry a failure that is safe to retry; 0 disables retries. */
  maxRetries?: number | undefined;
  /** Extra headers for this call. */
  headers?: Record<string, string> | undefined;
}

/** What the client may swap for tests: time, randomness and ids. */
export interface Hooks {
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  random(): number;
  now(): number;
  randomUUID(): string;
}

/** What every call needs: the openapi-fetch client, the fetch under it and the defaults. */
export interface Transport {
  readonly raw: Client<paths>;
  readonly fetch: FetchLike;
  readonly maxRetries: number;
  readonly timeoutMs: number;
  readonly hooks: Hooks;
  /** Request, response and retry events; never headers (the API key) nor bodies. */
  readonly log: Logger;
}

/** What one attempt gets: its signal (caller's signal + timeout) and the fetch to use. */
export interface AttemptInit {
  signal: AbortSignal;
  fetch: FetchLike;
}

/** What openapi-fetch answers. */
interface FetchResult {
  data?: unknown;
  error?: unknown;
  response: Response;
}

export interface Call<R extends FetchResult> {
  /**
   * `safe`: repeating the request cannot do harm (reads, and create with its Idempotency-Key):
   * retry connection errors, timeouts, 408, 429 and 5xx. `before-response`: the server may have
   * acted once it has the request (update, delete): retry only when the connection failed before
   * any response.
   */
  retry: "safe" | "before-response";
  /** One attempt through openapi-fetch. */
  attempt(init: AttemptInit): Promise<R>;
  /** A non-2xx status that is an answer rather than an error (304 for a conditional read). */
  accepts?: (status: number) => boolean;
  /** An error response worth retrying besides 408, 429 and 5xx (only with `retry: "safe"`). */
  alsoRetry?: (error: ApiError) => boolean;
}

type Outcome<R> = ({ result: R } | { error: ConnectionError | AbortError; responded: boolean }) & {
  /** What was sent, for the log: the method and URL of the attempt. */
  sent: { method: string; url: string } | undefined;
};

/**
 * Runs a call with timeouts and retries: resolves with the first successful answer; rejects with
 * an `ApiError` subclass for an error response, or with a `ConnectionError`, `TimeoutError` or
 * `AbortError` when there is none.
 */
export async function send<R extends FetchResult>(
  transport: Transport,
  call: Call<R>,
  options: RequestOptions = {},
): Promise<R> {
  const maxRetries = checkMaxRetries(options.maxRetries ?? transport.maxRetries);
  const timeoutMs = checkTimeout(options.timeoutMs ?? transport.timeoutMs);
  const { signal } = options;
  for (let retry = 0; ; retry++) {
    if (signal?.aborted) throw new AbortError({ cause: signal.reason });
    const outcome = await attemptOnce(transport, call, timeoutMs, signal);
    let failure: ContactsFailure;
    let retryable: boolean;
    if ("result" in outcome) {
      const { response } = outcome.result;
      if (response.ok || call.accepts?.(response.status)) return outcome.result;
      const error = apiErrorOf(response, outcome.result.error);
      failure = error;
      retryable =
        call.retry === "safe" &&
        (isRetryableStatus(response.status) || (call.alsoRetry?.(error) ?? false));
    } else {
      failure = outcome.error;
      retryable =
        !(failure instanceof AbortError) &&
        (call.retry === "safe" || (!outcome.responded && !(failure instanceof TimeoutError)));
    }
    if (!retryable || retry >= maxRetries) throw failure;
    const headers = "headers" in failure ? failure.headers : undefined;
    const delay = retryDelayMs(retry, headers, transport.hooks.now(), transport.hooks.random);
    if (delay === undefined) throw failure;
    transport.log.info("contacts: retrying", {
      ...outcome.sent,
      retry: retry + 1,
      of: maxRetries,
      delay_ms: Math.round(delay),
      reason: "status" in failure ? `${failure.status} ${failure.code ?? ""}`.trim() : failure.name,
    });
    try {
      await transport.hooks.sleep(delay, signal);
    } catch (cause) {
      throw new AbortError({ cause });
    }
  }
}

type ContactsFailure = ApiError | ConnectionError | AbortError;

/** One attempt, bounded by the timeout and the caller's signal, whatever the fetch does. */
async function attemptOnce<R extends FetchResult>(
  transport: Transport,
  call: Call<R>,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<Outcome<R>> {
  const controller = new AbortController();
  let timedOut = false;
  let responded = false;
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  const timer = Number.isFinite(timeoutMs)
    ? setTimeout(() => {
        timedOut = true;
        controller.abort(new TimeoutError(timeoutMs));
      }, timeoutMs)
    : undefined;
  // Settles when the attempt is aborted, even if the fetch in use ignores its signal.
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener("abort", () => reject(controller.signal.reason), {
      once: true,
    });
  });
  let sent: { method: string; url: string } | undefined;
  const fetch: FetchLike = async (request) => {
    sent = { method: request.method, url: request.url };
    transport.log.debug("contacts: request", sent);
    const started = transport.hooks.now();
    const response = await transport.fetch(request);
    responded = true;
    transport.log.debug("contacts: response", {
      ...sent,
      status: response.status,
      ms: transport.hooks.now() - started,
      request_id: response.headers.get("request-id") ?? undefined,
    });
    return response;
  };
  const attempt = call.attempt({ signal: controller.signal, fetch });
  attempt.catch(() => undefined);
  aborted.catch(() => undefined);
  try {
    return { result: await Promise.race([attempt, aborted]), sent };
  } catch (cause) {
    if (signal?.aborted) return { error: new AbortError({ cause }), responded, sent };
    if (timedOut) return { error: new TimeoutError(timeoutMs, { cause }), responded, sent };
    return {
      error: new ConnectionError(connectionMessage(cause), { cause }),
      responded,
      sent,
    };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

function connectionMessage(cause: unknown): string {
  const detail = cause instanceof Error ? (cause.cause ?? cause) : cause;
  const text = detail instanceof Error ? detail.message : String(detail);
  return `Connection error: ${text}`;
}

/** `value`, if it is a valid `maxRetries`: a whole number ≥ 0. */
export function checkMaxRetries(value: number): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`maxRetries must be a whole number >= 0, got ${value}`);
  }
  return value;
}

/** `value`, if it is a valid `timeoutMs`: > 0 (Infinity: no timeout). */
export function checkTimeout(value: number): number {
  if (!(value > 0)) throw new RangeError(`timeoutMs must be > 0, got ${value}`);
  return value;
}
