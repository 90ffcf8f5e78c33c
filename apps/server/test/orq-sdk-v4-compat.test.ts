/**
 * Wire compatibility with orq.ai's current client: its latest published Node SDK
 * (`@orq-ai/node` 4.15.11, installed as `@orq-ai/node-v4` beside the 3.14.45 of the contacts test),
 * unchanged and pointed at this server, runs the whole identity lifecycle. Its requests go
 * through the harness's recording fetch, so every exchange is also checked against the spec.
 */
import { type Fetcher, HTTPClient, Orq } from "@orq-ai/node-v4";
import type { Identity } from "@orq-ai/node-v4/models/components/index.js";
import { IdentitySortField } from "@orq-ai/node-v4/models/components/index.js";
import { APIError } from "@orq-ai/node-v4/models/errors/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer, type TestWorkspace } from "./support/test-server.js";

/** The seed's person, as the SDK takes it (camelCase). */
const JANE = {
  externalId: "user_12345",
  displayName: "Jane Smith",
  email: "jane.smith@example.com",
  avatarUrl: "https://example.com/avatars/jane-smith.jpg",
  tags: ["premium", "beta-user", "enterprise"],
  metadata: { department: "Engineering", role: "Senior Developer" },
};

/** The error a promise rejects with; fails the test if it resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the SDK call to fail, but it succeeded");
}

/** Expects the SDK's typed APIError with this status and error code. */
async function expectApiError(promise: Promise<unknown>, status: number, code: string) {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(APIError);
  expect((error as APIError).statusCode).toBe(status);
  expect(JSON.parse((error as APIError).body)).toMatchObject({ code });
}

describe("orq.ai's Node SDK 4.15.11 (identities) against this server", () => {
  let server: TestServer;
  let ws: TestWorkspace;
  let orq: Orq;
  let jane: Identity;
  let clock = Date.UTC(2032, 0, 1);
  /** The SDK's requests, through the harness's recording fetch. */
  let httpClient: HTTPClient;

  beforeAll(async () => {
    server = await startTestServer({ now: () => (clock += 10) });
    ws = await server.workspace("orq-sdk-v4");
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
    httpClient = new HTTPClient({ fetcher });
    orq = new Orq({ apiKey: ws.apiKey, serverURL: server.baseUrl, httpClient });
  });
  afterAll(() => server?.close());

  it("creates an identity (201) with exactly the sent fields", async () => {
    const created = await orq.identities.create(JANE);
    jane = created.result.identity;
    expect(jane).toMatchObject(JANE);
    expect(jane.id).toMatch(/^contact_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(jane.workspaceId).toBe(ws.workspaceId);
    expect(jane.updated).toBe(jane.created);
    expect(jane.metrics).toBeUndefined();
    expect(server.exchanges.at(-1)?.status).toBe(201);
    expect(created.headers.location).toEqual([`/v2/identities/${jane.id}`]);
  });

  it("rejects a duplicate external_id with an APIError of status 409", async () => {
    await expectApiError(
      orq.identities.create({ externalId: JANE.externalId }),
      409,
      "external_id_conflict",
    );
  });

  it("retrieves the identity by _id and by external_id, with metrics when asked", async () => {
    const byId = await orq.identities.retrieve({ id: jane.id });
    expect(byId.identity).toEqual(jane);
    const byExternalId = await orq.identities.retrieve({
      id: JANE.externalId,
      includeMetrics: true,
      includeBudget: true,
    });
    expect(byExternalId.identity).toEqual({
      ...jane,
      metrics: { totalCost: 0, totalTokens: 0, totalRequests: 0, errorRate: 0 },
    });
    expect(byExternalId.identity.budget).toBeUndefined();
  });

  it("lists with filter_by.tags (any of them), search and include_metrics", async () => {
    const people = [
      { externalId: "v4-ada", displayName: "Ada", tags: ["beta-user"] },
      { externalId: "v4-bo", tags: ["trial"] },
      { externalId: "v4-cy", displayName: "Cy", email: "cy@example.org", tags: ["vip"] },
    ];
    const ids: string[] = [];
    for (const person of people) ids.push((await orq.identities.create(person)).result.identity.id);
    const [ada, bo, cy] = ids;

    const tagged = await orq.identities.list({ filterByTags: ["premium", "vip"], limit: 10 });
    expect(tagged.data.map((i) => i.id)).toEqual([cy, jane.id]);
    const url = new URL(server.exchanges.at(-1)?.url ?? "");
    expect(url.searchParams.getAll("filter_by.tags")).toEqual(["premium", "vip"]);

    const found = await orq.identities.list({ search: "EXAMPLE.ORG" });
    expect(found.data.map((i) => i.id)).toEqual([cy]);

    const measured = await orq.identities.list({ includeMetrics: true, limit: 2 });
    expect(measured.hasMore).toBe(true);
    for (const identity of measured.data) expect(identity.metrics?.totalRequests).toBe(0);

    // Absent optional fields are omitted on the wire, so the SDK sees undefined, not null.
    const bare = (await orq.identities.retrieve({ id: bo as string })).identity;
    expect(bare.displayName).toBeUndefined();
    expect(bare.email).toBeUndefined();
    expect(ada).toBeDefined();
  });

  it.each(Object.values(IdentitySortField))(
    "walks forwards and backwards under %s with no repeat or gap",
    async (sortBy) => {
      const all: Identity[] = [];
      for (let page = await orq.identities.list({ sortBy, limit: 50 }); ; ) {
        all.push(...page.data);
        if (!page.hasMore) break;
        page = await orq.identities.list({ sortBy, limit: 50, startingAfter: all.at(-1)?.id });
      }
      const expected = all.map((i) => i.id);
      expect(new Set(expected).size).toBe(4);
      if (sortBy === IdentitySortField.IdentitySortFieldDisplayName) {
        // A-Z, the identity without a display name first.
        expect(all.map((i) => i.displayName)).toEqual([undefined, "Ada", "Cy", "Jane Smith"]);
      }

      const forward: string[] = [];
      let startingAfter: string | undefined;
      for (;;) {
        const page = await orq.identities.list({
          sortBy,
          limit: 2,
          ...(startingAfter !== undefined && { startingAfter }),
        });
        forward.push(...page.data.map((i) => i.id));
        if (!page.hasMore) break;
        startingAfter = page.data.at(-1)?.id;
      }
      expect(forward).toEqual(expected);

      const backward: string[] = [];
      let endingBefore = expected.at(-1) as string;
      for (;;) {
        const page = await orq.identities.list({ sortBy, limit: 2, endingBefore });
        backward.unshift(...page.data.map((i) => i.id));
        if (!page.hasMore) break;
        endingBefore = page.data[0]?.id as string;
      }
      expect([...backward, expected.at(-1)]).toEqual(expected);
    },
  );

  it("updates partially, keeping what the body leaves out", async () => {
    const updated = await orq.identities.update({
      id: jane.id,
      updateIdentityRequest: { displayName: "Jane Doe", tags: ["premium"] },
    });
    expect(updated.identity).toMatchObject({
      ...JANE,
      id: jane.id,
      displayName: "Jane Doe",
      tags: ["premium"],
    });
    expect(Date.parse(updated.identity.updated)).toBeGreaterThan(Date.parse(jane.created));
    expect((await orq.identities.retrieve({ id: jane.id })).identity).toEqual(updated.identity);
  });

  it("deletes the identity (200 {})", async () => {
    await expect(orq.identities.delete({ id: jane.id })).resolves.toEqual({});
    expect(server.exchanges.at(-1)?.status).toBe(200);
  });

  it("answers retrieve, update and delete of the deleted identity with APIErrors of status 404", async () => {
    await expectApiError(orq.identities.retrieve({ id: jane.id }), 404, "not_found");
    await expectApiError(
      orq.identities.update({ id: jane.id, updateIdentityRequest: { displayName: "Ghost" } }),
      404,
      "not_found",
    );
    await expectApiError(orq.identities.delete({ id: JANE.externalId }), 404, "not_found");
  });

  it("sees a contact created through /v2/contacts as an identity", async () => {
    const contact = await ws.client.contacts.create({ external_id: "from-contacts", tags: ["x"] });
    const identity = (await orq.identities.retrieve({ id: "from-contacts" })).identity;
    expect(identity).toMatchObject({ id: contact._id, tags: ["x"] });
    expect(identity.displayName).toBeUndefined();
  });

  it("meets an unknown key and a bad parameter as APIErrors of status 401 and 400", async () => {
    const stranger = new Orq({ apiKey: "ck_unknown", serverURL: server.baseUrl, httpClient });
    await expectApiError(stranger.identities.list(), 401, "unauthorized");
    await expectApiError(orq.identities.list({ limit: 51 }), 400, "validation_failed");
  });

  it("made only exchanges that conform to openapi.yaml", () => {
    // Every SDK call made exactly one request: no retries, nothing the SDK had to repeat.
    expect(server.exchanges).toHaveLength(36);
    expect(server.specProblems()).toEqual([]);
  });
});
