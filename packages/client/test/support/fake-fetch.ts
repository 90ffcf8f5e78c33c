import type { Contact } from "../../src/index.js";
import type { ContactsClientOptions } from "../../src/internal/client.js";
import { buildContactsClient } from "../../src/internal/client.js";
import type { Hooks } from "../../src/internal/request.js";

/** What a scripted fetch answers to one request: a response, a thrown error, or a function. */
export type Reply = Response | Error | ((request: Request) => Response | Promise<Response>);

/** A request the client sent, with its body read. */
export interface Sent {
  method: string;
  url: string;
  headers: Headers;
  body: string;
}

/** A fetch that answers from a script, one reply per request, and records every request. */
export function scriptedFetch(...replies: Reply[]) {
  const sent: Sent[] = [];
  const fetch = async (request: Request): Promise<Response> => {
    sent.push({
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: await request.clone().text(),
    });
    const reply = replies.shift();
    if (reply === undefined) throw new Error(`unexpected request ${request.method} ${request.url}`);
    if (reply instanceof Error) throw reply;
    return typeof reply === "function" ? reply(request) : reply;
  };
  return { fetch, sent };
}

/** A client over `fetch` whose sleeps are recorded instead of waited, with a fixed clock. */
export function testClient(
  fetch: (request: Request) => Promise<Response>,
  options: Partial<ContactsClientOptions> = {},
  hooks: Partial<Hooks> = {},
) {
  const sleeps: number[] = [];
  const client = buildContactsClient(
    { baseUrl: "http://contacts.test", apiKey: "ck_test", fetch, ...options },
    {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0,
      now: () => NOW,
      ...hooks,
    },
  );
  return { client, sleeps };
}

export const NOW = Date.parse("2026-03-01T12:00:00.000Z");

/** A JSON response. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "request-id": "req_test", ...headers },
  });
}

/** The API's error shape. */
export function apiError(status: number, code: string, headers: Record<string, string> = {}) {
  return json(
    status,
    { error: `failed: ${code}`, code, message: `failed: ${code}`, request_id: "req_body" },
    headers,
  );
}

let counter = 0;
/** A contact as the server returns it. */
export function contact(overrides: Partial<Contact> = {}): Contact {
  counter++;
  return {
    _id: `contact_${String(counter).padStart(26, "0")}`,
    external_id: `user_${counter}`,
    workspace_id: "550e8400-e29b-41d4-a716-446655440000",
    display_name: null,
    email: null,
    avatar_url: null,
    tags: [],
    metadata: {},
    metrics: { total_cost: 0, total_tokens: 0, total_requests: 0, error_rate: 0 },
    created: "2026-03-01T12:00:00.000Z",
    updated: "2026-03-01T12:00:00.000Z",
    ...overrides,
  };
}

/** A contact response with its ETag. */
export function contactResponse(status = 200, body: Contact = contact(), etag = '"v1"') {
  return json(status, body, { etag });
}
