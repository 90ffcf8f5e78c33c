/**
 * `client.usage` and `client.contacts.usage` against the real server: batching of any (async)
 * iterable into requests of at most 1000 events, retries that never count an event twice, the
 * series and the top list; every response checked against the spec.
 */
import { createContactsClient, type UsageEvent } from "@contacts/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer, type TestWorkspace } from "../support/test-server.js";

let server: TestServer;
let ws: TestWorkspace;

beforeAll(async () => {
  server = await startTestServer();
  ws = await server.workspace();
});
afterAll(async () => {
  expect(server.specProblems()).toEqual([]);
  await server.close();
});

const usageRequests = () =>
  server.exchanges.filter((e) => e.method === "POST" && e.url.endsWith("/v2/usage"));

async function* calls(
  contact: string,
  count: number,
  prefix = contact,
): AsyncGenerator<UsageEvent> {
  for (let i = 0; i < count; i++) {
    yield {
      id: `${prefix}_${i}`,
      contact,
      timestamp: new Date().toISOString(),
      cost: 0.001,
      tokens: 10,
      error: i % 10 === 0,
    };
  }
}

describe("client.usage.record", () => {
  it("sends an async iterable in requests of at most 1000 events, and sums their results", async () => {
    const before = usageRequests().length;
    const result = await ws.client.usage.record(calls("sdk_user", 2500));
    expect(result).toEqual({ accepted: 2500, duplicates: 0, contacts_created: 1 });
    const sent = usageRequests().slice(before);
    expect(sent.map((e) => e.status)).toEqual([200, 200, 200]);
    const contact = await ws.client.contacts.retrieve("sdk_user");
    expect(contact.metrics).toEqual({
      total_cost: 2.5,
      total_tokens: 25_000,
      total_requests: 2500,
      error_rate: 0.1,
    });
  });

  it("takes a plain array, and a smaller batchSize", async () => {
    const events: UsageEvent[] = [];
    for await (const e of calls("sdk_array", 5)) events.push(e);
    const before = usageRequests().length;
    expect(await ws.client.usage.record(events, { batchSize: 2 })).toMatchObject({ accepted: 5 });
    expect(usageRequests().length - before).toBe(3);
    await expect(ws.client.usage.record(events, { batchSize: 1001 })).rejects.toThrow(RangeError);
  });

  it("retries a batch whose response was lost, and counts none of its events twice", async () => {
    let dropped = 0;
    const client = createContactsClient({
      baseUrl: server.baseUrl,
      apiKey: ws.apiKey,
      // The server stores the first batch, then the connection "fails" before the answer.
      fetch: async (request) => {
        const response = await fetch(request);
        if (request.url.endsWith("/v2/usage") && dropped++ === 0) {
          throw new TypeError("fetch failed: socket hang up");
        }
        return response;
      },
    });
    const result = await client.usage.record(calls("sdk_retry", 1500));
    expect(result).toEqual({ accepted: 500, duplicates: 1000, contacts_created: 0 });
    const contact = await ws.client.contacts.retrieve("sdk_retry");
    expect(contact.metrics.total_requests).toBe(1500);
  });
});

describe("client.contacts.usage and client.usage.top", () => {
  it("give the series of a contact and the workspace's top contacts", async () => {
    await ws.client.usage.record(calls("sdk_top", 3));
    const series = await ws.client.contacts.usage("sdk_top", { granularity: "hour" });
    expect(series.data).toHaveLength(720);
    expect(series.data.at(-1)?.total_requests).toBe(3);
    const top = await ws.client.usage.top({ by: "requests", limit: 2 });
    expect(top.data.map((t) => [t.contact.external_id, t.total_requests])).toEqual([
      ["sdk_user", 2500],
      ["sdk_retry", 1500],
    ]);
    await expect(ws.client.contacts.usage("nobody_here")).rejects.toMatchObject({ status: 404 });
  });
});
