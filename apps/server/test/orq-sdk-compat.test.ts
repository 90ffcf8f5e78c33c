/**
 * Wire compatibility with orq.ai's own client: the published Node SDK (`@orq-ai/node`, pinned in
 * devDependencies), pointed at this server, must run the whole contact lifecycle without one
 * failure — the promise of openapi.yaml is that existing orq.ai code only changes its server URL.
 * The SDK's requests go through the harness's recording fetch, so every exchange is also checked
 * against the spec at the end.
 */
import { type Fetcher, HTTPClient, Orq } from "@orq-ai/node";
import {
  APIError,
  DeleteContactResponseBody,
  RetrieveContactResponseBody,
  UpdateContactResponseBody,
} from "@orq-ai/node/models/errors/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer, type TestWorkspace } from "./support/test-server.js";

/** The seed's contact, as the SDK takes it (camelCase). */
const JANE = {
  externalId: "user_12345",
  displayName: "Jane Smith",
  email: "jane.smith@example.com",
  avatarUrl: "https://example.com/avatars/jane-smith.jpg",
  tags: ["premium", "beta-user", "enterprise"],
  metadata: {
    department: "Engineering",
    role: "Senior Developer",
    subscription_tier: "premium",
    last_login: "2024-01-15T10:30:00Z",
  },
};
const BOTH_TAGS = ["premium", "beta-user"];

/** The error a promise rejects with; fails the test if it resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the SDK call to fail, but it succeeded");
}

describe("orq.ai's Node SDK (@orq-ai/node) against this server", () => {
  let server: TestServer;
  let ws: TestWorkspace;
  let orq: Orq;
  let janeId: string;

  beforeAll(async () => {
    server = await startTestServer();
    ws = await server.workspace("orq-sdk");
    // Route the SDK through the harness so its exchanges are recorded and checked against the spec.
    const fetcher: Fetcher = async (input, init) => {
      const request = new Request(input, init);
      const url = new URL(request.url);
      expect(url.origin).toBe(server.baseUrl);
      const body = request.body === null ? undefined : await request.text();
      return server.fetch(`${url.pathname}${url.search}`, {
        method: request.method,
        headers: request.headers,
        ...(body !== undefined && { body }),
      });
    };
    orq = new Orq({
      apiKey: ws.apiKey,
      serverURL: server.baseUrl,
      httpClient: new HTTPClient({ fetcher }),
    });
  });
  afterAll(() => server?.close());

  it("creates a contact (201) and returns exactly the sent fields", async () => {
    const created = await orq.contacts.create(JANE);
    expect(created).toMatchObject(JANE);
    expect(created.id).toMatch(/^contact_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(created.workspaceId).toBe(ws.workspaceId);
    expect(created.created).toBeInstanceOf(Date);
    expect(created.updated).toEqual(created.created);
    expect(server.exchanges.at(-1)?.status).toBe(201);
    janeId = created.id;
  });

  it("rejects a duplicate external_id with an APIError of status 409", async () => {
    const error = await rejectionOf(orq.contacts.create({ externalId: JANE.externalId }));
    expect(error).toBeInstanceOf(APIError);
    const apiError = error as APIError;
    expect(apiError.statusCode).toBe(409);
    expect(JSON.parse(apiError.body)).toMatchObject({
      code: "external_id_conflict",
      existing_id: janeId,
    });
  });

  it("retrieves the contact by _id and by external_id", async () => {
    const byId = await orq.contacts.retrieve({ id: janeId });
    expect(byId).toMatchObject({ ...JANE, id: janeId });
    const byExternalId = await orq.contacts.retrieve({ id: JANE.externalId });
    expect(byExternalId).toEqual(byId);
  });

  it("lists by tags, newest first, walking forwards and backwards with cursors", async () => {
    // Seven more contacts; the odd ones carry both tags, the even ones only one of them.
    const withBothTags = [janeId];
    for (let i = 1; i <= 7; i++) {
      const tags = i % 2 === 1 ? BOTH_TAGS : [BOTH_TAGS[i % 4 === 0 ? 0 : 1] as string];
      const contact = await orq.contacts.create({ externalId: `orq-list-${i}`, tags });
      if (i % 2 === 1) withBothTags.push(contact.id);
    }
    const expected = withBothTags.toReversed(); // newest first: 7, 5, 3, 1, Jane
    const filterBy = { tags: BOTH_TAGS };

    // Forwards: starting_after the last id of each page, until has_more is false.
    const forward: string[][] = [];
    let startingAfter: string | undefined;
    for (;;) {
      const page = await orq.contacts.list({
        limit: 2,
        filterBy,
        includeMetrics: true,
        ...(startingAfter !== undefined && { startingAfter }),
      });
      expect(page.object).toBe("list");
      for (const contact of page.data) {
        expect(contact.tags).toEqual(expect.arrayContaining(BOTH_TAGS));
        expect(contact.metrics).toEqual({
          totalCost: 0,
          totalTokens: 0,
          totalRequests: 0,
          errorRate: 0,
        });
      }
      forward.push(page.data.map((c) => c.id));
      expect(page.hasMore).toBe(forward.flat().length < expected.length);
      if (!page.hasMore) break;
      startingAfter = page.data.at(-1)?.id;
    }
    expect(forward).toEqual([expected.slice(0, 2), expected.slice(2, 4), expected.slice(4)]);

    // The SDK sends the tag filter as one comma-joined `tags` value.
    const listUrl = new URL(server.exchanges.at(-1)?.url ?? "");
    expect(listUrl.searchParams.getAll("tags")).toEqual(["premium,beta-user"]);

    // Backwards: ending_before the first id of each page, from the last page's first contact.
    const backward: string[][] = [];
    let endingBefore = forward.at(-1)?.[0] as string;
    for (;;) {
      const page = await orq.contacts.list({ limit: 2, filterBy, endingBefore });
      backward.push(page.data.map((c) => c.id));
      if (!page.hasMore) break;
      endingBefore = page.data[0]?.id as string;
    }
    expect(backward).toEqual([expected.slice(2, 4), expected.slice(0, 2)]);
  });

  it("updates partially: a changed field, a metadata key set, a metadata key removed by null", async () => {
    const updated = await orq.contacts.update({
      id: janeId,
      requestBody: {
        displayName: "Jane Doe",
        metadata: { role: "Staff Engineer", last_login: null },
      },
    });
    const { last_login: _removed, ...keptMetadata } = JANE.metadata;
    const expected = {
      ...JANE,
      id: janeId,
      displayName: "Jane Doe",
      metadata: { ...keptMetadata, role: "Staff Engineer" },
    };
    expect(updated).toMatchObject(expected);
    expect(updated.metadata).not.toHaveProperty("last_login");
    expect(updated.updated?.getTime()).toBeGreaterThanOrEqual(updated.created?.getTime() ?? 0);
    expect(await orq.contacts.retrieve({ id: janeId })).toEqual(updated);
  });

  it("deletes the contact (204)", async () => {
    await expect(orq.contacts.delete({ id: janeId })).resolves.toBeUndefined();
    expect(server.exchanges.at(-1)?.status).toBe(204);
  });

  it("answers retrieve, update and delete of the deleted contact with the SDK's typed 404s", async () => {
    const retrieveError = await rejectionOf(orq.contacts.retrieve({ id: janeId }));
    expect(retrieveError).toBeInstanceOf(RetrieveContactResponseBody);
    const notRetrieved = retrieveError as RetrieveContactResponseBody;
    expect(notRetrieved.statusCode).toBe(404);
    expect(notRetrieved.error).toContain(janeId);

    const updateError = await rejectionOf(
      orq.contacts.update({ id: janeId, requestBody: { displayName: "Ghost" } }),
    );
    expect(updateError).toBeInstanceOf(UpdateContactResponseBody);
    const notUpdated = updateError as UpdateContactResponseBody;
    expect(notUpdated.statusCode).toBe(404);
    expect(notUpdated.data$.message).toContain(janeId);

    const deleteError = await rejectionOf(orq.contacts.delete({ id: janeId }));
    expect(deleteError).toBeInstanceOf(DeleteContactResponseBody);
    const notDeleted = deleteError as DeleteContactResponseBody;
    expect(notDeleted.statusCode).toBe(404);
    expect(notDeleted.error).toContain(janeId);
  });

  it("made only exchanges that conform to openapi.yaml", () => {
    // 1 + 1 + 2 + 7 + 3 + 2 + 2 + 1 + 3 requests, all recorded through the SDK's HTTPClient.
    expect(server.exchanges).toHaveLength(22);
    expect(server.specProblems()).toEqual([]);
  });
});
