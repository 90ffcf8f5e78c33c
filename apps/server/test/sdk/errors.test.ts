/**
 * Every error class of the client SDK, produced by the real server (or a real socket that fails),
 * with the status, code and fields the spec promises.
 */
import {
  AbortError,
  ApiError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  type ContactsClient,
  ContactsError,
  createContactsClient,
  InternalServerError,
  NotFoundError,
  PayloadTooLargeError,
  PreconditionFailedError,
  RouteNotFoundError,
  TimeoutError,
  UnprocessableEntityError,
  UnsupportedMediaTypeError,
} from "@contacts/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer, type TestWorkspace } from "../support/test-server.js";
import { recordedClient, refusingBaseUrl, silentServer } from "./sdk-harness.js";

interface Context {
  server: TestServer;
  ws: TestWorkspace;
  /** A server whose database is closed under it: every store call fails. */
  broken: TestServer;
  brokenWs: TestWorkspace;
}
const ctx = {} as Context;
let counter = 0;
const unique = (prefix: string) => `${prefix}_${++counter}`;
const contacts = (client: ContactsClient = ctx.ws.client) => client.contacts;
const created = () =>
  contacts()
    .create({ external_id: unique("err") })
    .withResponse();

beforeAll(async () => {
  ctx.server = await startTestServer();
  ctx.ws = await ctx.server.workspace();
  ctx.broken = await startTestServer();
  ctx.brokenWs = await ctx.broken.workspace();
  await ctx.broken.stores.close();
});
afterAll(async () => {
  await ctx.server.close();
  await ctx.broken.close();
});

type ErrorClass = abstract new (...args: never[]) => ApiError;
const API_ERRORS: [string, { call: () => Promise<unknown>; want: [ErrorClass, number, string] }][] =
  [
    [
      "create with an invalid email",
      {
        call: () => contacts().create({ external_id: unique("bad"), email: "not-an-email" }),
        want: [BadRequestError, 400, "validation_failed"],
      },
    ],
    [
      "list with both cursors",
      {
        call: () => contacts().list({ starting_after: "contact_1", ending_before: "contact_2" }),
        want: [BadRequestError, 400, "validation_failed"],
      },
    ],
    [
      "list with a wrong API key",
      {
        call: () => contacts(recordedClient(ctx.server, { apiKey: "ck_wrong" })).list(),
        want: [AuthenticationError, 401, "unauthorized"],
      },
    ],
    [
      "retrieve an unknown contact",
      {
        call: () => contacts().retrieve(unique("missing")),
        want: [NotFoundError, 404, "not_found"],
      },
    ],
    [
      "update an unknown contact",
      {
        call: () => contacts().update(unique("missing"), { display_name: "x" }),
        want: [NotFoundError, 404, "not_found"],
      },
    ],
    [
      "delete an unknown contact",
      {
        call: () => contacts().delete(unique("missing")),
        want: [NotFoundError, 404, "not_found"],
      },
    ],
    [
      "create a second contact with an external_id",
      {
        call: async () => contacts().create({ external_id: (await created()).data.external_id }),
        want: [ConflictError, 409, "external_id_conflict"],
      },
    ],
    [
      "update with a stale ifMatch",
      {
        call: async () => {
          const { data, etag } = await created();
          await contacts().update(data._id, { display_name: "first" }, { ifMatch: etag });
          return contacts().update(data._id, { display_name: "second" }, { ifMatch: etag });
        },
        want: [PreconditionFailedError, 412, "precondition_failed"],
      },
    ],
    [
      "delete with a stale ifMatch",
      {
        call: async () => {
          const { data, etag } = await created();
          await contacts().update(data._id, { display_name: "changed" });
          return contacts().delete(data._id, { ifMatch: etag });
        },
        want: [PreconditionFailedError, 412, "precondition_failed"],
      },
    ],
    [
      "create with a body over the size limit",
      {
        call: () =>
          contacts().create({ external_id: unique("big"), display_name: "x".repeat(200 * 1024) }),
        want: [PayloadTooLargeError, 413, "payload_too_large"],
      },
    ],
    [
      "create with a body declared as text",
      {
        call: () =>
          contacts().create(
            { external_id: unique("text") },
            { headers: { "Content-Type": "text/plain" } },
          ),
        want: [UnsupportedMediaTypeError, 415, "unsupported_media_type"],
      },
    ],
    [
      "create reusing an idempotencyKey for another body",
      {
        call: async () => {
          const idempotencyKey = unique("key");
          await contacts().create({ external_id: unique("k") }, { idempotencyKey });
          return contacts().create({ external_id: unique("k") }, { idempotencyKey });
        },
        want: [UnprocessableEntityError, 422, "idempotency_key_reused"],
      },
    ],
    [
      "list on a server whose database failed",
      {
        call: () => contacts(ctx.brokenWs.client).list({}, { maxRetries: 0 }),
        want: [InternalServerError, 500, "internal_error"],
      },
    ],
  ];

describe("error responses of the real server", () => {
  it.each(API_ERRORS)("%s", async (_name, { call, want: [ErrorClass, status, code] }) => {
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toBeInstanceOf(ContactsError);
    const apiError = error as ApiError;
    expect({ status: apiError.status, code: apiError.code }).toEqual({ status, code });
    expect(apiError.message).toBe((apiError.body as { message: string }).message);
    expect(apiError.requestId).toMatch(/.+/);
    expect(apiError.requestId).toBe(apiError.headers.get("request-id"));
  });

  it("names each failing field of a 400", async () => {
    const error = await contacts()
      .create({ external_id: unique("bad"), email: "nope", avatar_url: "ftp://x" })
      .catch((e: unknown) => e);
    expect((error as BadRequestError).details?.map((d) => d.path).sort()).toEqual([
      "/body/avatar_url",
      "/body/email",
    ]);
  });

  it("names the contact that already has the external_id of a 409", async () => {
    const { data } = await created();
    const error = await contacts()
      .create({ external_id: data.external_id })
      .catch((e: unknown) => e);
    expect((error as ConflictError).existingId).toBe(data._id);
  });

  it("retries a 500 before throwing it", async () => {
    const before = ctx.broken.exchanges.length;
    const error = await contacts(ctx.brokenWs.client)
      .retrieve("user_1", { maxRetries: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InternalServerError);
    expect(ctx.broken.exchanges.length - before).toBe(2);
  });

  it("does not retry a 500 of an update: the server may have applied it", async () => {
    const before = ctx.broken.exchanges.length;
    const error = await contacts(ctx.brokenWs.client)
      .update("user_1", { display_name: "x" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InternalServerError);
    expect(ctx.broken.exchanges.length - before).toBe(1);
  });

  it("leaves no response outside the spec", () => {
    expect(ctx.server.specProblems()).toEqual([]);
    expect(ctx.broken.specProblems()).toEqual([]);
  });
});

describe("a misrouted client never looks like a missing contact", () => {
  it("a baseUrl with a wrong path: RouteNotFoundError (route_not_found), not NotFoundError", async () => {
    const client = createContactsClient({
      baseUrl: `${ctx.server.baseUrl}/contacts-api`,
      apiKey: ctx.ws.apiKey,
    });
    const error = await client.contacts.retrieve("user_1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RouteNotFoundError);
    expect(error).not.toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ status: 404, code: "route_not_found" });
    expect((error as Error).message).toMatch(/No route for GET .*baseUrl/);
  });

  it.each([
    ["ending in /v2", (url: string) => `${url}/v2`, /without \/v2/],
    ["without a scheme", (url: string) => url.replace("http://", ""), /absolute http/],
  ])("a baseUrl %s fails at construction, at once", (_name, baseUrlOf, message) => {
    const started = performance.now();
    expect(() =>
      createContactsClient({ baseUrl: baseUrlOf(ctx.server.baseUrl), apiKey: ctx.ws.apiKey }),
    ).toThrow(message);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it.each(["", ".", ".."])("retrieve(%j) rejects with a TypeError, sending nothing", async (id) => {
    const before = ctx.server.exchanges.length;
    const error = await contacts()
      .retrieve(id)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(ctx.server.exchanges.length).toBe(before);
  });

  it("an external_id with a slash is one contact, found", async () => {
    const externalId = unique("team/a");
    const { _id } = await contacts().create({ external_id: externalId });
    expect((await contacts().retrieve(externalId))._id).toBe(_id);
  });
});

describe("failures without a response", () => {
  it("throws a ConnectionError when the server refuses the connection", async () => {
    const client = createContactsClient({ baseUrl: await refusingBaseUrl(), apiKey: "k" });
    const error = await client.contacts
      .create({ external_id: "x" }, { maxRetries: 0 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).not.toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
  });

  it("throws a TimeoutError when the server does not answer in time", async () => {
    const silent = await silentServer();
    try {
      const client = createContactsClient({ baseUrl: silent.baseUrl, apiKey: "k", timeoutMs: 100 });
      const started = performance.now();
      const error = await client.contacts
        .retrieve("user_1", { maxRetries: 0 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TimeoutError);
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      await silent.close();
    }
  });

  it("throws an AbortError when the caller's signal fires", async () => {
    const silent = await silentServer();
    try {
      const client = createContactsClient({ baseUrl: silent.baseUrl, apiKey: "k" });
      const error = await client.contacts
        .list({}, { signal: AbortSignal.timeout(50) })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AbortError);
    } finally {
      await silent.close();
    }
  });
});
