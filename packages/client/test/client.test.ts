import { describe, expect, it } from "vitest";
import { type Contact, createContactsClient } from "../src/index.js";
import { randomUUID } from "../src/internal/client.js";
import {
  contact,
  contactResponse,
  json,
  type Sent,
  scriptedFetch,
  testClient,
} from "./support/fake-fetch.js";

const jane = contact({ external_id: "user_12345", display_name: "Jane Smith" });

/** What each method sends, and what it gives back. */
const REQUESTS: [
  string,
  {
    call: (client: ReturnType<typeof testClient>["client"]) => Promise<unknown>;
    reply: Response;
    want: { method: string; path: string; body?: unknown; headers?: Record<string, string> };
    result: unknown;
  },
][] = [
  [
    "create",
    {
      call: (c) => c.contacts.create({ external_id: "user_12345", tags: ["premium"] }),
      reply: contactResponse(201, jane),
      want: {
        method: "POST",
        path: "/v2/contacts",
        body: { external_id: "user_12345", tags: ["premium"] },
        headers: { "content-type": "application/json" },
      },
      result: jane,
    },
  ],
  [
    "list with every parameter",
    {
      call: async (c) =>
        (
          await c.contacts.list({
            limit: 5,
            search: "jane",
            tags: ["premium", "beta-user"],
            include_metrics: true,
          })
        ).data,
      reply: json(200, { object: "list", data: [jane], has_more: false }),
      want: {
        method: "GET",
        path: "/v2/contacts?limit=5&search=jane&tags=premium&tags=beta-user&include_metrics=true",
      },
      result: [jane],
    },
  ],
  [
    "retrieve by external_id, encoded into the path",
    {
      call: (c) => c.contacts.retrieve("user/1 #2"),
      reply: contactResponse(200, jane),
      want: { method: "GET", path: "/v2/contacts/user%2F1%20%232" },
      result: jane,
    },
  ],
  [
    "update with If-Match",
    {
      call: (c) =>
        c.contacts.update(
          "user_12345",
          { display_name: null, metadata: { plan: "pro", old: null } },
          { ifMatch: '"v1"' },
        ),
      reply: contactResponse(200, jane),
      want: {
        method: "PATCH",
        path: "/v2/contacts/user_12345",
        body: { display_name: null, metadata: { plan: "pro", old: null } },
        headers: { "if-match": '"v1"' },
      },
      result: jane,
    },
  ],
  [
    "delete with If-Match",
    {
      call: (c) => c.contacts.delete("user_12345", { ifMatch: "*" }),
      reply: new Response(null, { status: 204 }),
      want: { method: "DELETE", path: "/v2/contacts/user_12345", headers: { "if-match": "*" } },
      result: undefined,
    },
  ],
];

describe("each method", () => {
  it.each(REQUESTS)("%s", async (_name, { call, reply, want, result }) => {
    const { fetch, sent } = scriptedFetch(reply);
    const { client } = testClient(fetch);
    expect(await call(client)).toEqual(result);
    expect(sent).toHaveLength(1);
    const [request] = sent as [Sent];
    expect(request.method).toBe(want.method);
    expect(request.url).toBe(`http://contacts.test${want.path}`);
    expect(request.headers.get("authorization")).toBe("Bearer ck_test");
    if (want.body !== undefined) expect(JSON.parse(request.body)).toEqual(want.body);
    else expect(request.body).toBe("");
    for (const [name, value] of Object.entries(want.headers ?? {})) {
      expect(request.headers.get(name)).toBe(value);
    }
    if (!want.headers?.["if-match"]) expect(request.headers.get("if-match")).toBeNull();
  });
});

describe("ETags", () => {
  it("come with a contact from withResponse()", async () => {
    const { fetch } = scriptedFetch(contactResponse(200, jane, '"01ARZ.3"'));
    const { client } = testClient(fetch);
    const { data, etag, requestId, response } = await client.contacts
      .retrieve("user_12345")
      .withResponse();
    expect(data).toEqual(jane);
    expect(etag).toBe('"01ARZ.3"');
    expect(requestId).toBe("req_test");
    expect(response.status).toBe(200);
  });

  it("make retrieve resolve to null when the contact has not changed (304)", async () => {
    const { fetch, sent } = scriptedFetch(
      new Response(null, { status: 304, headers: { etag: '"01ARZ.3"' } }),
      contactResponse(200, jane, '"01ARZ.4"'),
    );
    const { client } = testClient(fetch);
    const unchanged = await client.contacts.retrieve("user_12345", { ifNoneMatch: '"01ARZ.3"' });
    expect(unchanged).toBeNull();
    const changed = await client.contacts
      .retrieve("user_12345", { ifNoneMatch: '"01ARZ.3"' })
      .withResponse();
    expect(changed).toMatchObject({ data: jane, etag: '"01ARZ.4"' });
    expect(sent.map((s) => s.headers.get("if-none-match"))).toEqual(['"01ARZ.3"', '"01ARZ.3"']);
  });
});

describe("the client", () => {
  it("sends its headers and each call's headers, and never lets them replace the API key", async () => {
    const { fetch, sent } = scriptedFetch(contactResponse(), contactResponse());
    const { client } = testClient(fetch, {
      headers: { "X-Trace": "client", authorization: "Bearer other" },
    });
    await client.contacts.retrieve("a");
    await client.contacts.retrieve("a", { headers: { "X-Trace": "call" } });
    expect(sent.map((s) => s.headers.get("x-trace"))).toEqual(["client", "call"]);
    expect(sent.map((s) => s.headers.get("authorization"))).toEqual([
      "Bearer ck_test",
      "Bearer ck_test",
    ]);
  });

  it("exposes the typed openapi-fetch client as raw, without retries or throws", async () => {
    const { fetch, sent } = scriptedFetch(json(500, { code: "internal_error" }));
    const client = createContactsClient({ baseUrl: "http://contacts.test", apiKey: "k", fetch });
    const { data, error, response } = await client.raw.GET("/v2/contacts/{id}", {
      params: { path: { id: "x" } },
    });
    expect({ data, error, status: response.status }).toEqual({
      data: undefined,
      error: { code: "internal_error" },
      status: 500,
    });
    expect(sent).toHaveLength(1);
  });

  it("uses the global fetch by default", async () => {
    const original = globalThis.fetch;
    const { fetch } = scriptedFetch(contactResponse(200, jane));
    globalThis.fetch = fetch as typeof globalThis.fetch;
    try {
      const client = createContactsClient({ baseUrl: "http://contacts.test", apiKey: "k" });
      const found: Contact = await client.contacts.retrieve("user_12345");
      expect(found).toEqual(jane);
    } finally {
      globalThis.fetch = original;
    }
  });

  it("needs a baseUrl and an API key", () => {
    expect(() => createContactsClient({ baseUrl: "", apiKey: "k" })).toThrow(/baseUrl/);
    expect(() => createContactsClient({ baseUrl: "http://x", apiKey: "" })).toThrow(/apiKey/);
  });
});

describe("a contact id that a URL would send elsewhere", () => {
  const calls: [
    string,
    (c: ReturnType<typeof testClient>["client"], id: string) => Promise<unknown>,
  ][] = [
    ["retrieve", (c, id) => c.contacts.retrieve(id)],
    ["update", (c, id) => c.contacts.update(id, { display_name: "x" })],
    ["delete", (c, id) => c.contacts.delete(id)],
  ];

  it.each(
    calls.flatMap(([method, call]) => ["", ".", ".."].map((id) => [method, id, call] as const)),
  )("%s(%j) rejects with a TypeError, sending nothing", async (method, id, call) => {
    const { fetch, sent } = scriptedFetch();
    const { client } = testClient(fetch);
    const error = await call(client, id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(new RegExp(`^contacts\\.${method}: id `));
    expect(sent).toEqual([]);
  });

  it("rejects a non-string id from untyped code", async () => {
    const { fetch, sent } = scriptedFetch();
    const { client } = testClient(fetch);
    const error = await client.contacts
      .retrieve(undefined as unknown as string)
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/must be a string/);
    expect(sent).toEqual([]);
  });

  it.each([
    ["a/b", "/v2/contacts/a%2Fb"],
    ["../x", "/v2/contacts/..%2Fx"],
    ["...", "/v2/contacts/..."],
    ["a..b", "/v2/contacts/a..b"],
    ["?x#y", "/v2/contacts/%3Fx%23y"],
  ])("sends %j as one encoded segment", async (id, path) => {
    const { fetch, sent } = scriptedFetch(contactResponse());
    const { client } = testClient(fetch);
    await client.contacts.retrieve(id);
    expect(sent.map((s) => new URL(s.url).pathname)).toEqual([path]);
  });
});

describe("randomUUID", () => {
  const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  it("makes v4 UUIDs, also where crypto.randomUUID is missing (insecure browser pages)", () => {
    expect(randomUUID()).toMatch(V4);
    const crypto = globalThis.crypto;
    const withoutRandomUUID = { getRandomValues: crypto.getRandomValues.bind(crypto) };
    Object.defineProperty(globalThis, "crypto", { value: withoutRandomUUID, configurable: true });
    try {
      const ids = Array.from({ length: 50 }, randomUUID);
      for (const id of ids) expect(id).toMatch(V4);
      expect(new Set(ids).size).toBe(50);
    } finally {
      Object.defineProperty(globalThis, "crypto", { value: crypto, configurable: true });
    }
  });
});
