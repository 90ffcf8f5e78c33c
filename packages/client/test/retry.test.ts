import { describe, expect, it } from "vitest";
import {
  AbortError,
  ApiError,
  ConflictError,
  ConnectionError,
  type ContactsClient,
  InternalServerError,
  RateLimitError,
  TimeoutError,
} from "../src/index.js";
import { backoffMs, retryAfterMs, retryDelayMs } from "../src/internal/retry.js";
import {
  apiError,
  contact,
  contactResponse,
  json,
  NOW,
  type Reply,
  scriptedFetch,
  testClient,
} from "./support/fake-fetch.js";

describe("retryAfterMs", () => {
  it.each<[string, Record<string, string>, number | undefined]>([
    ["none", {}, undefined],
    ["seconds", { "retry-after": "3" }, 3000],
    ["fractional seconds", { "retry-after": "1.5" }, 1500],
    ["zero", { "retry-after": "0" }, 0],
    ["an HTTP date", { "retry-after": new Date(NOW + 7000).toUTCString() }, 7000],
    ["an HTTP date in the past", { "retry-after": new Date(NOW - 7000).toUTCString() }, 0],
    ["retry-after-ms, which wins", { "retry-after-ms": "250", "retry-after": "3" }, 250],
    ["garbage", { "retry-after": "soon" }, undefined],
    ["a negative number", { "retry-after": "-1" }, undefined],
  ])("reads %s", (_name, headers, want) => {
    expect(retryAfterMs(new Headers(headers), NOW)).toBe(want);
  });
});

describe("backoff", () => {
  it.each<[number, number, number]>([
    [0, 0, 500],
    [1, 0, 1000],
    [2, 0, 2000],
    [3, 0, 4000],
    [4, 0, 8000],
    [10, 0, 8000],
    [0, 1, 375],
    [4, 1, 6000],
  ])("retry %i with random %d waits %d ms", (retry, random, want) => {
    expect(backoffMs(retry, () => random)).toBe(want);
  });

  it("prefers the server's delay up to a minute, and gives up beyond", () => {
    const after = (value: string) => new Headers({ "retry-after": value });
    expect(retryDelayMs(0, after("60"), NOW, () => 0)).toBe(60_000);
    expect(retryDelayMs(0, after("61"), NOW, () => 0)).toBeUndefined();
    expect(retryDelayMs(2, undefined, NOW, () => 0)).toBe(2000);
  });
});

type Method = "create" | "list" | "retrieve" | "update" | "delete";
const call: Record<Method, (client: ContactsClient, maxRetries?: number) => Promise<unknown>> = {
  create: (c, maxRetries) => c.contacts.create({ external_id: "user_1" }, { maxRetries }),
  list: async (c, maxRetries) => c.contacts.list({ limit: 5 }, { maxRetries }),
  retrieve: (c, maxRetries) => c.contacts.retrieve("user_1", { maxRetries }),
  update: (c, maxRetries) => c.contacts.update("user_1", { display_name: "J" }, { maxRetries }),
  delete: (c, maxRetries) => c.contacts.delete("user_1", { maxRetries }),
};
const success: Record<Method, () => Response> = {
  create: () => contactResponse(201),
  list: () => json(200, { object: "list", data: [], has_more: false }),
  retrieve: () => contactResponse(),
  update: () => contactResponse(),
  delete: () => new Response(null, { status: 204, headers: { "request-id": "r" } }),
};
const refused = () => new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED") });
/** A response whose body breaks while it is read: the server had the request. */
const brokenBody = () =>
  new Response(
    new ReadableStream({
      start(controller) {
        controller.error(new TypeError("terminated"));
      },
    }),
    { status: 200, headers: { "content-type": "application/json" } },
  );

interface RetryCase {
  methods: Method[];
  /** Replies before the method's own success reply (if `succeeds`). */
  replies: () => Reply[];
  maxRetries?: number;
  succeeds: boolean;
  want: { attempts: number; sleeps: number[]; error?: abstract new (...args: never[]) => Error };
}

const SAFE: Method[] = ["create", "list", "retrieve"];
const UNSAFE: Method[] = ["update", "delete"];
const ALL: Method[] = [...SAFE, ...UNSAFE];

const RETRY_CASES: [string, RetryCase][] = [
  [
    "5xx twice, then success: retried with backoff",
    {
      methods: SAFE,
      replies: () => [apiError(503, "internal_error"), apiError(500, "internal_error")],
      succeeds: true,
      want: { attempts: 3, sleeps: [500, 1000] },
    },
  ],
  [
    "5xx on every attempt: the last error, after maxRetries (2) retries",
    {
      methods: SAFE,
      replies: () => [500, 502, 503].map((s) => apiError(s, "internal_error")),
      succeeds: false,
      want: { attempts: 3, sleeps: [500, 1000], error: InternalServerError },
    },
  ],
  [
    "maxRetries: 0 disables retries",
    {
      methods: SAFE,
      replies: () => [apiError(503, "internal_error")],
      maxRetries: 0,
      succeeds: false,
      want: { attempts: 1, sleeps: [], error: InternalServerError },
    },
  ],
  [
    "a per-call maxRetries above the client's",
    {
      methods: ["list"],
      replies: () => [1, 2, 3, 4].map(() => apiError(500, "internal_error")),
      maxRetries: 5,
      succeeds: true,
      want: { attempts: 5, sleeps: [500, 1000, 2000, 4000] },
    },
  ],
  [
    "408 is retried",
    {
      methods: SAFE,
      replies: () => [new Response("timeout", { status: 408 })],
      succeeds: true,
      want: { attempts: 2, sleeps: [500] },
    },
  ],
  [
    "429 with Retry-After in seconds",
    {
      methods: SAFE,
      replies: () => [apiError(429, "rate_limited", { "retry-after": "3" })],
      succeeds: true,
      want: { attempts: 2, sleeps: [3000] },
    },
  ],
  [
    "429 with Retry-After as an HTTP date",
    {
      methods: ["list"],
      replies: () => [apiError(429, "x", { "retry-after": new Date(NOW + 5000).toUTCString() })],
      succeeds: true,
      want: { attempts: 2, sleeps: [5000] },
    },
  ],
  [
    "503 with retry-after-ms",
    {
      methods: ["list"],
      replies: () => [apiError(503, "internal_error", { "retry-after-ms": "120" })],
      succeeds: true,
      want: { attempts: 2, sleeps: [120] },
    },
  ],
  [
    "429 asking for more than a minute: thrown, not waited for",
    {
      methods: SAFE,
      replies: () => [apiError(429, "rate_limited", { "retry-after": "120" })],
      succeeds: false,
      want: { attempts: 1, sleeps: [], error: RateLimitError },
    },
  ],
  [
    "a connection refused before any response: retried, for every method",
    {
      methods: ALL,
      replies: () => [refused(), refused()],
      succeeds: true,
      want: { attempts: 3, sleeps: [500, 1000] },
    },
  ],
  [
    "connection refused on every attempt",
    {
      methods: ALL,
      replies: () => [refused(), refused(), refused()],
      succeeds: false,
      want: { attempts: 3, sleeps: [500, 1000], error: ConnectionError },
    },
  ],
  [
    "a body that breaks after the response started: retried when safe",
    {
      methods: SAFE,
      replies: () => [brokenBody()],
      succeeds: true,
      want: { attempts: 2, sleeps: [500] },
    },
  ],
  [
    "a body that breaks after the response started: not retried for update/delete",
    {
      methods: ["update"],
      replies: () => [brokenBody()],
      succeeds: false,
      want: { attempts: 1, sleeps: [], error: ConnectionError },
    },
  ],
  ...[500, 503, 429, 408].map((status): [string, RetryCase] => [
    `${status} after update/delete reached the server: not retried`,
    {
      methods: UNSAFE,
      replies: () => [apiError(status, "internal_error", { "retry-after": "1" })],
      succeeds: false,
      want: { attempts: 1, sleeps: [], error: ApiError },
    },
  ]),
  ...(
    [
      [400, "validation_failed"],
      [401, "unauthorized"],
      [404, "not_found"],
      [409, "external_id_conflict"],
      [412, "precondition_failed"],
      [413, "payload_too_large"],
      [422, "idempotency_key_reused"],
    ] as const
  ).map(([status, code]): [string, RetryCase] => [
    `${status} ${code}: not retried`,
    {
      methods: ALL,
      replies: () => [apiError(status, code)],
      succeeds: false,
      want: { attempts: 1, sleeps: [], error: ApiError },
    },
  ]),
  [
    "409 idempotency_key_in_use on create: the first attempt is still running, so retried",
    {
      methods: ["create"],
      replies: () => [apiError(409, "idempotency_key_in_use")],
      succeeds: true,
      want: { attempts: 2, sleeps: [500] },
    },
  ],
];

describe("retries", () => {
  it.each(
    RETRY_CASES.flatMap(([name, c]) =>
      c.methods.map((m): [string, Method, RetryCase] => [name, m, c]),
    ),
  )("%s (%s)", async (_name, method, { replies, maxRetries, succeeds, want }) => {
    const script = replies();
    if (succeeds) script.push(success[method]());
    const { fetch, sent } = scriptedFetch(...script);
    const { client, sleeps } = testClient(fetch);
    const outcome = call[method](client, maxRetries);
    if (want.error) await expect(outcome).rejects.toBeInstanceOf(want.error);
    else await outcome;
    expect(sent).toHaveLength(want.attempts);
    expect(sleeps).toEqual(want.sleeps);
  });

  it("jitters the backoff with the random source", async () => {
    const { fetch } = scriptedFetch(apiError(500, "x"), apiError(500, "x"), success.list());
    const { client, sleeps } = testClient(fetch, {}, { random: () => 0.5 });
    await client.contacts.list();
    expect(sleeps).toEqual([437.5, 875]);
  });

  it("uses the client's maxRetries", async () => {
    const { fetch, sent } = scriptedFetch(apiError(500, "x"), success.list());
    const { client } = testClient(fetch, { maxRetries: 0 });
    await expect(client.contacts.list()).rejects.toBeInstanceOf(InternalServerError);
    expect(sent).toHaveLength(1);
  });

  it("rejects a maxRetries or timeoutMs that makes no sense", async () => {
    const { fetch } = scriptedFetch();
    expect(() => testClient(fetch, { maxRetries: -1 })).toThrow(RangeError);
    expect(() => testClient(fetch, { timeoutMs: 0 })).toThrow(RangeError);
    const { client } = testClient(fetch);
    await expect(client.contacts.list({}, { maxRetries: 1.5 })).rejects.toThrow(RangeError);
  });
});

describe("the Idempotency-Key of create", () => {
  it("is generated once per call and identical on every attempt", async () => {
    const { fetch, sent } = scriptedFetch(
      apiError(503, "internal_error"),
      refused(),
      apiError(409, "idempotency_key_in_use"),
      contactResponse(201),
      contactResponse(201),
    );
    const { client } = testClient(fetch, { maxRetries: 3 });
    await client.contacts.create({ external_id: "user_1" });
    await client.contacts.create({ external_id: "user_2" });
    const keys = sent.map((s) => s.headers.get("idempotency-key"));
    expect(keys[0]).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(keys.slice(0, 4)).toEqual([keys[0], keys[0], keys[0], keys[0]]);
    expect(keys[4]).not.toBe(keys[0]);
    expect(new Set(sent.slice(0, 4).map((s) => s.body)).size).toBe(1);
  });

  it("goes with the same body bytes on every attempt, even if the caller changes the body", async () => {
    const { fetch, sent } = scriptedFetch(apiError(503, "internal_error"), contactResponse(201));
    const body = { external_id: "user_1", tags: ["a"] };
    const { client } = testClient(
      fetch,
      {},
      {
        sleep: async () => {
          body.tags.push("changed meanwhile");
        },
      },
    );
    await client.contacts.create(body);
    expect(sent.map((s) => s.body)).toEqual([
      '{"external_id":"user_1","tags":["a"]}',
      '{"external_id":"user_1","tags":["a"]}',
    ]);
  });

  it("is the caller's when given", async () => {
    const { fetch, sent } = scriptedFetch(apiError(500, "internal_error"), contactResponse(201));
    const { client } = testClient(fetch);
    await client.contacts.create({ external_id: "user_1" }, { idempotencyKey: "order-42" });
    expect(sent.map((s) => s.headers.get("idempotency-key"))).toEqual(["order-42", "order-42"]);
  });

  it("is not sent by the other methods", async () => {
    const { fetch, sent } = scriptedFetch(success.list(), success.update(), success.delete());
    const { client } = testClient(fetch);
    await client.contacts.list();
    await client.contacts.update("user_1", {});
    await client.contacts.delete("user_1");
    expect(sent.map((s) => s.headers.get("idempotency-key"))).toEqual([null, null, null]);
  });

  it("does not hide a conflict on external_id", async () => {
    const { fetch } = scriptedFetch(apiError(409, "external_id_conflict"));
    const { client } = testClient(fetch);
    await expect(client.contacts.create({ external_id: "user_1" })).rejects.toBeInstanceOf(
      ConflictError,
    );
  });
});

/** A fetch that answers only when its request is aborted, as a server that never responds. */
const hangingFetch = () => {
  const { fetch, sent } = scriptedFetch(
    ...Array.from(
      { length: 5 },
      () => (request: Request) =>
        new Promise<Response>((_, reject) => {
          request.signal.addEventListener("abort", () => reject(request.signal.reason));
        }),
    ),
  );
  return { fetch, sent };
};

describe("timeouts", () => {
  it("fails an attempt that takes longer than timeoutMs with a TimeoutError", async () => {
    const { fetch, sent } = hangingFetch();
    const { client } = testClient(fetch, { timeoutMs: 20, maxRetries: 0 });
    const started = performance.now();
    const error = await client.contacts.retrieve("user_1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toBe("Request timed out after 20 ms");
    expect(performance.now() - started).toBeLessThan(1000);
    expect(sent).toHaveLength(1);
  });

  it("retries a timed-out read, each attempt with its own timeout", async () => {
    const { fetch, sent } = hangingFetch();
    const { client, sleeps } = testClient(fetch);
    await expect(client.contacts.list({}, { timeoutMs: 10 })).rejects.toBeInstanceOf(TimeoutError);
    expect(sent).toHaveLength(3);
    expect(sleeps).toEqual([500, 1000]);
  });

  it("does not retry a timed-out update or delete: the server may have applied it", async () => {
    for (const method of UNSAFE) {
      const { fetch, sent } = hangingFetch();
      const { client } = testClient(fetch, { timeoutMs: 10 });
      await expect(call[method](client)).rejects.toBeInstanceOf(TimeoutError);
      expect(sent).toHaveLength(1);
    }
  });

  it("holds even when the fetch ignores the signal", async () => {
    const { fetch } = scriptedFetch(() => new Promise<Response>(() => undefined));
    const { client } = testClient(fetch, { timeoutMs: 10, maxRetries: 0 });
    await expect(client.contacts.list()).rejects.toBeInstanceOf(TimeoutError);
  });
});

describe("abort", () => {
  it("does not send a call whose signal is already aborted", async () => {
    const { fetch, sent } = scriptedFetch();
    const { client } = testClient(fetch);
    const error = await client.contacts
      .list({}, { signal: AbortSignal.abort(new Error("stop")) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toEqual(new Error("stop"));
    expect(sent).toHaveLength(0);
  });

  it("stops a call in flight, without retrying it", async () => {
    const { fetch, sent } = hangingFetch();
    const { client } = testClient(fetch);
    const controller = new AbortController();
    const outcome = client.contacts.create({ external_id: "u" }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    await expect(outcome).rejects.toBeInstanceOf(AbortError);
    expect(sent).toHaveLength(1);
  });

  it("stops the wait between two attempts", async () => {
    const { fetch, sent } = scriptedFetch(apiError(503, "internal_error"), success.list());
    const controller = new AbortController();
    const { client } = testClient(
      fetch,
      {},
      {
        sleep: (_ms, signal) =>
          new Promise((_, reject) => {
            signal?.addEventListener("abort", () => reject(signal.reason));
            controller.abort();
          }),
      },
    );
    await expect(client.contacts.list({}, { signal: controller.signal })).rejects.toBeInstanceOf(
      AbortError,
    );
    expect(sent).toHaveLength(1);
  });

  it("gives the result when the signal never fires", async () => {
    const { fetch } = scriptedFetch(contactResponse(200, contact({ external_id: "kept" })));
    const { client } = testClient(fetch);
    const found = await client.contacts.retrieve("kept", { signal: new AbortController().signal });
    expect(found.external_id).toBe("kept");
  });
});
