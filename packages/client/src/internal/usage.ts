// `client.usage`: record usage events in batches (safely retried: event ids make it idempotent),
// and list the workspace's top contacts.
import { ApiPromise } from "./api-promise.js";
import { ApiError } from "./errors.js";
import { type RequestOptions, send, type Transport } from "./request.js";
import type { RecordUsageResult, TopContactList, TopContactsParams, UsageEvent } from "./types.js";

/** Most events the server takes in one request (openapi.yaml: RecordUsageRequest.maxItems). */
export const MAX_BATCH_EVENTS = 1000;

/** Options of `record`. */
export interface RecordUsageOptions extends RequestOptions {
  /** Events per request, 1–1000 (the default). */
  batchSize?: number | undefined;
}

/** `client.usage`: what the contacts of the API key's workspace consume. */
export interface UsageResource {
  /**
   * Records events, from any iterable or async iterable, in requests of up to 1000 events, one
   * after another. Each request is retried like a read: the server counts an event id once, so a
   * retry (or calling `record` again with the same events) never counts anything twice. Resolves
   * to the sums over every request. If a request still fails, the call rejects with its error;
   * the events of earlier requests are stored.
   */
  record(
    events: Iterable<UsageEvent> | AsyncIterable<UsageEvent>,
    options?: RecordUsageOptions,
  ): Promise<RecordUsageResult>;
  /** The contacts with the largest totals over a period of UTC days (default: the last 30). */
  top(params?: TopContactsParams, options?: RequestOptions): ApiPromise<TopContactList>;
}

export function usageResource(transport: Transport): UsageResource {
  const { raw } = transport;

  const recordBatch = async (events: UsageEvent[], options: RequestOptions) => {
    // Serialized once: every attempt sends the same bytes.
    const json = JSON.stringify({ events });
    const { data, response } = await send(
      transport,
      {
        retry: "safe",
        attempt: ({ signal, fetch }) =>
          raw.POST("/v2/usage", {
            body: { events },
            bodySerializer: () => json,
            signal,
            fetch,
            ...(options.headers && { headers: options.headers }),
          }),
      },
      options,
    );
    if (data === undefined) {
      throw new ApiError(response.status, undefined, response.headers, "response has no body");
    }
    return data;
  };

  return {
    async record(events, options = {}) {
      const size = options.batchSize ?? MAX_BATCH_EVENTS;
      if (!Number.isInteger(size) || size < 1 || size > MAX_BATCH_EVENTS) {
        throw new RangeError(`batchSize must be an integer from 1 to ${MAX_BATCH_EVENTS}`);
      }
      const total: RecordUsageResult = { accepted: 0, duplicates: 0, contacts_created: 0 };
      let batch: UsageEvent[] = [];
      const flush = async () => {
        const result = await recordBatch(batch, options);
        batch = [];
        total.accepted += result.accepted;
        total.duplicates += result.duplicates;
        total.contacts_created += result.contacts_created;
      };
      for await (const event of events) {
        batch.push(event);
        if (batch.length === size) await flush();
      }
      if (batch.length > 0) await flush();
      return total;
    },

    top(params = {}, options = {}) {
      return new ApiPromise(
        send(
          transport,
          {
            retry: "safe",
            attempt: ({ signal, fetch }) =>
              raw.GET("/v2/usage/top", {
                params: { query: params },
                signal,
                fetch,
                ...(options.headers && { headers: options.headers }),
              }),
          },
          options,
        ).then(({ data, response }) => {
          if (data === undefined) {
            throw new ApiError(
              response.status,
              undefined,
              response.headers,
              "response has no body",
            );
          }
          return { data, response, requestId: response.headers.get("request-id") ?? undefined };
        }),
      );
    },
  };
}
