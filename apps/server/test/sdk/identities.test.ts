/**
 * `client.identities` against the real server: the same ergonomics as `client.contacts`
 * (positional ids, typed errors, ETags, `for await` pages under every `sort_by`, safe retries),
 * over the same records; every response checked against the spec.
 */
import {
  ConflictError,
  createContactsClient,
  type Identity,
  type IdentitySortField,
  NotFoundError,
  PreconditionFailedError,
} from "@contacts/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer, type TestWorkspace } from "../support/test-server.js";

let server: TestServer;
let ws: TestWorkspace;
let counter = 0;
const unique = (prefix: string) => `${prefix}_${++counter}`;
let clock = Date.UTC(2033, 0, 1);

beforeAll(async () => {
  server = await startTestServer({ now: () => (clock += 10) });
  ws = await server.workspace();
});
afterAll(() => server.close());

describe("client.identities against the server", () => {
  it("creates, retrieves (by _id, external_id, with metrics), updates and deletes", async () => {
    const externalId = unique("idn");
    const { data, etag, response } = await ws.client.identities
      .create({ external_id: externalId, display_name: "Jane", tags: ["a"] })
      .withResponse();
    expect(response.status).toBe(201);
    expect(data).toMatchObject({ external_id: externalId, display_name: "Jane", tags: ["a"] });
    expect(data).not.toHaveProperty("email");
    expect(etag).toMatch(/^".+"$/);

    expect(await ws.client.identities.retrieve(data._id)).toEqual(data);
    const measured = await ws.client.identities.retrieve(externalId, {
      query: { include_metrics: true },
    });
    expect(measured.metrics).toEqual({
      total_cost: 0,
      total_tokens: 0,
      total_requests: 0,
      error_rate: 0,
    });
    expect(await ws.client.identities.retrieve(data._id, { ifNoneMatch: etag })).toBeNull();

    const updated = await ws.client.identities.update(
      data._id,
      { email: "jane@example.com" },
      { ifMatch: etag },
    );
    expect(updated.email).toBe("jane@example.com");
    await expect(
      ws.client.identities.update(data._id, { email: null }, { ifMatch: etag }),
    ).rejects.toBeInstanceOf(PreconditionFailedError);

    const deleted = await ws.client.identities.delete(externalId).withResponse();
    expect(deleted.response.status).toBe(200);
    const missing = await ws.client.identities.retrieve(data._id).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as NotFoundError).code).toBe("not_found");
  });

  it("throws a ConflictError naming the holder for a duplicate external_id", async () => {
    const contact = await ws.client.contacts.create({ external_id: unique("dup") });
    const error = await ws.client.identities
      .create({ external_id: contact.external_id })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).body).toMatchObject({ existing_id: contact._id });
  });

  it("retries an identity create whose response was lost with the same key: one identity", async () => {
    let lost = 0;
    const keys: (string | null)[] = [];
    const client = createContactsClient({
      baseUrl: server.baseUrl,
      apiKey: ws.apiKey,
      fetch: async (request) => {
        keys.push(request.headers.get("idempotency-key"));
        const response = await fetch(request);
        if (lost++ === 0) throw new TypeError("fetch failed: the answer was lost");
        return response;
      },
    });
    const externalId = unique("lost");
    const { data, response } = await client.identities
      .create({ external_id: externalId })
      .withResponse();
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
    expect(response.headers.get("idempotent-replayed")).toBe("true");
    expect((await ws.client.identities.retrieve(externalId))._id).toBe(data._id);
  });

  it.each<IdentitySortField>([
    "IDENTITY_SORT_FIELD_UNSPECIFIED",
    "IDENTITY_SORT_FIELD_DISPLAY_NAME",
    "IDENTITY_SORT_FIELD_UPDATED",
  ])("pages with for await under %s, with filter_by.tags (any of)", async (sortBy) => {
    const own = await server.workspace();
    const names = ["Bo", null, "Al", "Cy", "Al", null, "Di"];
    for (const [i, name] of names.entries()) {
      await own.client.identities.create({
        external_id: `p${i}`,
        display_name: name,
        tags: [i % 2 === 0 ? "even" : "odd"],
      });
    }
    const firstPage = await own.client.identities.list({ sort_by: sortBy, limit: 50 });
    const all = firstPage.data.map((i) => i._id);
    expect(all).toHaveLength(names.length);

    const walked: Identity[] = [];
    for await (const identity of own.client.identities.list({ sort_by: sortBy, limit: 2 })) {
      walked.push(identity);
    }
    expect(walked.map((i) => i._id)).toEqual(all);

    const tagged: string[] = [];
    const params = { sort_by: sortBy, limit: 1, "filter_by.tags": ["odd", "none"] };
    for await (const identity of own.client.identities.list(params)) tagged.push(identity._id);
    expect(tagged).toEqual(firstPage.data.filter((i) => i.tags.includes("odd")).map((i) => i._id));
    const url = new URL(server.exchanges.at(-1)?.url ?? "");
    expect(url.searchParams.getAll("filter_by.tags")).toEqual(["odd", "none"]);
  });
});

it("made only exchanges that conform to openapi.yaml", () => {
  expect(server.specProblems()).toEqual([]);
});
