import { describe, expect, it } from "vitest";
import {
  ApiError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  ContactsError,
  InternalServerError,
  NotFoundError,
  PayloadTooLargeError,
  PreconditionFailedError,
  RateLimitError,
  RouteNotFoundError,
  ServiceUnavailableError,
  UnprocessableEntityError,
  UnsupportedMediaTypeError,
} from "../src/index.js";
import { json, scriptedFetch, testClient } from "./support/fake-fetch.js";

const ERROR_CLASSES: [number, string, typeof ApiError][] = [
  [400, "validation_failed", BadRequestError],
  [401, "unauthorized", AuthenticationError],
  [404, "not_found", NotFoundError],
  [409, "external_id_conflict", ConflictError],
  [412, "precondition_failed", PreconditionFailedError],
  [413, "payload_too_large", PayloadTooLargeError],
  [415, "unsupported_media_type", UnsupportedMediaTypeError],
  [422, "idempotency_key_reused", UnprocessableEntityError],
  [429, "rate_limited", RateLimitError],
  [500, "internal_error", InternalServerError],
  [502, "internal_error", InternalServerError],
  [503, "service_unavailable", ServiceUnavailableError],
  [418, "teapot", ApiError],
];

describe("error responses", () => {
  it("makes a 503 an InternalServerError too, with how long the server asked to wait", async () => {
    const body = {
      error: "The database is unavailable or did not answer in time; retry in 2 s",
      code: "service_unavailable",
      message: "The database is unavailable or did not answer in time; retry in 2 s",
      request_id: "req_503",
    };
    const { fetch } = scriptedFetch(json(503, body, { "retry-after": "2" }));
    const { client } = testClient(fetch, { maxRetries: 0 });
    const error = await client.contacts.retrieve("user_1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error).toMatchObject({ status: 503, code: "service_unavailable", retryAfterMs: 2000 });
  });

  it.each(ERROR_CLASSES)("%i %s is a %O", async (status, code, ErrorClass) => {
    const body = {
      error: `Failed with ${code}`,
      code,
      message: `Failed with ${code}`,
      details: [{ path: "/body/email", message: "must match format" }],
      request_id: "req_from_body",
    };
    const { fetch } = scriptedFetch(json(status, body, { "x-extra": "1" }));
    const { client } = testClient(fetch, { maxRetries: 0 });
    const error = await client.contacts.retrieve("user_1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toBeInstanceOf(ContactsError);
    expect(error).toMatchObject({
      name: ErrorClass.name,
      status,
      code,
      message: `Failed with ${code}`,
      details: body.details,
      requestId: "req_from_body",
      body,
    });
    expect((error as ApiError).headers.get("x-extra")).toBe("1");
  });

  it("names the contact that already has the external_id on a conflict", async () => {
    const body = {
      error: "taken",
      code: "external_id_conflict",
      message: "taken",
      existing_id: "contact_01ARZ3NDEKTSV4RRFFQ69G5FAV",
      request_id: "r",
    };
    const { fetch } = scriptedFetch(json(409, body));
    const { client } = testClient(fetch);
    const error = await client.contacts.create({ external_id: "x" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).existingId).toBe("contact_01ARZ3NDEKTSV4RRFFQ69G5FAV");
  });

  it("tells how long a rate limit asks to wait", async () => {
    const { fetch } = scriptedFetch(json(429, {}, { "retry-after": "120" }));
    const { client } = testClient(fetch);
    const error = await client.contacts.list().catch((e: unknown) => e);
    expect((error as RateLimitError).retryAfterMs).toBe(120_000);
  });

  it("reads a body that is not the API's (a proxy's 502 page)", async () => {
    const { fetch } = scriptedFetch(
      new Response("<h1>Bad gateway</h1>", {
        status: 502,
        statusText: "Bad Gateway",
        headers: { "request-id": "req_header" },
      }),
    );
    const { client } = testClient(fetch, { maxRetries: 0 });
    const error = await client.contacts.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error).toMatchObject({
      status: 502,
      code: undefined,
      details: undefined,
      message: "502 Bad Gateway",
      requestId: "req_header",
      body: "<h1>Bad gateway</h1>",
    });
  });

  it.each<[string, Response]>([
    [
      "the API's route_not_found",
      json(404, {
        error: "No route for GET /v2/v2/contacts/user_1",
        code: "route_not_found",
        message: "No route for GET /v2/v2/contacts/user_1",
        request_id: "req_body",
      }),
    ],
    ["a 404 page that is not the API's", new Response("<h1>Not Found</h1>", { status: 404 })],
    ["a 404 with another code", json(404, { code: "no_such_thing" })],
  ])("makes %s a RouteNotFoundError, never a NotFoundError", async (_name, reply) => {
    const { fetch } = scriptedFetch(reply.clone(), reply);
    const { client } = testClient(fetch);
    const error = await client.contacts.retrieve("user_1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RouteNotFoundError);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).not.toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ name: "RouteNotFoundError", status: 404 });
    expect((error as Error).message).toMatch(/baseUrl/);
    // The README's "missing means null" pattern lets it through.
    const mapped = client.contacts.retrieve("user_1").catch((e: unknown) => {
      if (e instanceof NotFoundError) return null;
      throw e;
    });
    await expect(mapped).rejects.toBeInstanceOf(RouteNotFoundError);
  });

  it("wraps a failed connection, keeping its cause", async () => {
    const cause = new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED") });
    const { fetch } = scriptedFetch(cause);
    const { client } = testClient(fetch, { maxRetries: 0 });
    const error = await client.contacts.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).not.toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      name: "ConnectionError",
      message: "Connection error: connect ECONNREFUSED",
      cause,
    });
  });
});
