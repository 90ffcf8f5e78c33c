import type { ApiErrorBody, Contact, CreateContactRequest, paths } from "@contacts/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer, type TestWorkspace } from "./support/test-server.js";

type ListQuery = NonNullable<paths["/v2/contacts"]["get"]["parameters"]["query"]>;

let server: TestServer;
let a: TestWorkspace;
let b: TestWorkspace;
/** Each workspace's contacts, by external_id. */
const ofA: Record<"shared" | "a-only", Contact> = {} as never;
const ofB: Record<"shared" | "b-only", Contact> = {} as never;
const createStatuses: number[] = [];

/** Text found only in B's contacts: it must never appear in an answer to A's key. */
const B_SECRETS = ["Bob of B", "bob@b.example", "Bertha of B", "b-only", "b-tag"];

async function create(ws: TestWorkspace, body: CreateContactRequest): Promise<Contact> {
  const { data, response } = await ws.client.raw.POST("/v2/contacts", { body });
  createStatuses.push(response.status);
  if (!data) throw new Error(`create ${body.external_id} answered ${response.status}`);
  return data;
}

async function retrieve(ws: TestWorkspace, id: string) {
  return ws.client.raw.GET("/v2/contacts/{id}", { params: { path: { id } } });
}

async function list(ws: TestWorkspace, query: ListQuery = {}): Promise<Contact[]> {
  const { data, response } = await ws.client.raw.GET("/v2/contacts", { params: { query } });
  expect(response.status).toBe(200);
  if (!data) throw new Error("list answered no body");
  return data.data;
}

function keyIdOf(apiKey: string): string {
  const keyId = /^ck_([0-9a-f]{16})_/.exec(apiKey)?.[1];
  if (!keyId) throw new Error("an API key should look like ck_<16 hex>_<secret>");
  return keyId;
}

beforeAll(async () => {
  server = await startTestServer();
  a = await server.workspace("isolation-a");
  b = await server.workspace("isolation-b");
  ofA.shared = await create(a, {
    external_id: "shared",
    display_name: "Alice of A",
    email: "alice@a.example",
    tags: ["a-tag", "common"],
    metadata: { owner: "A" },
  });
  ofB.shared = await create(b, {
    external_id: "shared",
    display_name: "Bob of B",
    email: "bob@b.example",
    tags: ["b-tag", "common"],
    metadata: { owner: "B" },
  });
  ofA["a-only"] = await create(a, { external_id: "a-only", tags: ["a-tag"] });
  ofB["b-only"] = await create(b, {
    external_id: "b-only",
    display_name: "Bertha of B",
    tags: ["b-tag"],
  });
});
afterAll(() => server.close());

describe("the same external_id in two workspaces", () => {
  it("is created in each (201 both times) as two distinct contacts", () => {
    expect(createStatuses).toEqual([201, 201, 201, 201]);
    expect(ofA.shared._id).not.toBe(ofB.shared._id);
    expect(ofA.shared.workspace_id).toBe(a.workspaceId);
    expect(ofB.shared.workspace_id).toBe(b.workspaceId);
    expect(a.workspaceId).not.toBe(b.workspaceId);
  });

  it.each([
    ["A's key", () => a, () => ofA.shared],
    ["B's key", () => b, () => ofB.shared],
  ])("is retrieved by %s as that workspace's own contact", async (_name, ws, own) => {
    const { data, response } = await retrieve(ws(), "shared");
    expect(response.status).toBe(200);
    expect(data).toEqual(own());
  });

  it("is updated by A's key in A only", async () => {
    const { data, response } = await a.client.raw.PATCH("/v2/contacts/{id}", {
      params: { path: { id: "shared" } },
      body: { display_name: "Alice of A, renamed" },
    });
    expect(response.status).toBe(200);
    expect(data?._id).toBe(ofA.shared._id);
    expect(data?.display_name).toBe("Alice of A, renamed");
    if (data) ofA.shared = data;
    expect((await retrieve(b, "shared")).data).toEqual(ofB.shared);
  });

  it("is deleted by one key in that workspace only", async () => {
    const mine = await create(a, { external_id: "to-delete" });
    const theirs = await create(b, { external_id: "to-delete", display_name: "Bob's keeper" });
    const { response } = await a.client.raw.DELETE("/v2/contacts/{id}", {
      params: { path: { id: "to-delete" } },
    });
    expect(response.status).toBe(204);
    expect((await retrieve(a, mine._id)).response.status).toBe(404);
    const kept = await retrieve(b, "to-delete");
    expect(kept.response.status).toBe(200);
    expect(kept.data).toEqual(theirs);
    // B can still delete its own; the workspaces are back to their two contacts each.
    const cleanup = await b.client.raw.DELETE("/v2/contacts/{id}", {
      params: { path: { id: "to-delete" } },
    });
    expect(cleanup.response.status).toBe(204);
  });
});

describe("A's key cannot reach B's contacts", () => {
  const refs: [string, () => string][] = [
    ["B's shared contact by _id", () => ofB.shared._id],
    ["B's other contact by _id", () => ofB["b-only"]._id],
    ["B's other contact by external_id", () => "b-only"],
  ];

  function expectNotFound(response: Response, error: ApiErrorBody | undefined) {
    expect(response.status).toBe(404);
    expect(error?.code).toBe("not_found");
    const text = JSON.stringify(error);
    for (const secret of B_SECRETS.filter((s) => s !== "b-only"))
      expect(text).not.toContain(secret);
  }

  async function expectBUnchanged() {
    for (const contact of [ofB.shared, ofB["b-only"]]) {
      const { data, response } = await retrieve(b, contact._id);
      expect(response.status).toBe(200);
      expect(data).toEqual(contact);
    }
  }

  it.each(refs)("retrieving %s answers 404", async (_name, ref) => {
    const { data, error, response } = await retrieve(a, ref());
    expect(data).toBeUndefined();
    expectNotFound(response, error);
  });

  it.each(refs)("updating %s answers 404 and leaves it unchanged", async (_name, ref) => {
    const { data, error, response } = await a.client.raw.PATCH("/v2/contacts/{id}", {
      params: { path: { id: ref() } },
      body: { display_name: "taken over by A", tags: ["a-tag"], metadata: { owner: "A" } },
    });
    expect(data).toBeUndefined();
    expectNotFound(response, error);
    await expectBUnchanged();
  });

  it.each(refs)("deleting %s answers 404 and leaves it in place", async (_name, ref) => {
    const { error, response } = await a.client.raw.DELETE("/v2/contacts/{id}", {
      params: { path: { id: ref() } },
    });
    expectNotFound(response, error);
    await expectBUnchanged();
  });

  it("lists only A's contacts, whatever the filter or cursor", async () => {
    const cases: [string, ListQuery, () => string[]][] = [
      ["no filter", {}, () => [ofA["a-only"]._id, ofA.shared._id]],
      ["limit 50", { limit: 50 }, () => [ofA["a-only"]._id, ofA.shared._id]],
      ["search for B's display name", { search: "Bob of B" }, () => []],
      ["search for B's email", { search: "bob@b.example" }, () => []],
      ["search for B's external_id", { search: "b-only" }, () => []],
      ["search for the shared external_id", { search: "shared" }, () => [ofA.shared._id]],
      ["B's tag", { tags: ["b-tag"] }, () => []],
      ["a tag both have", { tags: ["common"] }, () => [ofA.shared._id]],
      ["a tag both have and B's tag", { tags: ["common", "b-tag"] }, () => []],
      [
        "a cursor at B's newest contact",
        { starting_after: ofB["b-only"]._id },
        () => [ofA["a-only"]._id, ofA.shared._id],
      ],
      [
        "a cursor before B's oldest contact",
        { ending_before: ofB.shared._id },
        () => [ofA["a-only"]._id],
      ],
    ];
    for (const [name, query, want] of cases) {
      const contacts = await list(a, query);
      expect(
        contacts.map((c) => c._id),
        name,
      ).toEqual(want());
      for (const contact of contacts) expect(contact.workspace_id, name).toBe(a.workspaceId);
      const text = JSON.stringify(contacts);
      for (const secret of B_SECRETS) expect(text, name).not.toContain(secret);
    }
  });

  it("still lets B's key see all of B's contacts", async () => {
    const contacts = await list(b);
    expect(contacts.map((c) => c._id)).toEqual([ofB["b-only"]._id, ofB.shared._id]);
  });
});

describe("authentication", () => {
  const malformed: [string, () => Record<string, string>][] = [
    ["no Authorization header", () => ({})],
    ["an empty Authorization header", () => ({ authorization: "" })],
    ["the key without the Bearer scheme", () => ({ authorization: a.apiKey })],
    ["a Basic scheme", () => ({ authorization: "Basic dXNlcjpwYXNz" })],
    ["Bearer with no key", () => ({ authorization: "Bearer " })],
    ["a key of the wrong shape", () => ({ authorization: "Bearer not-a-key" })],
    [
      "an unknown key id",
      () => ({ authorization: `Bearer ck_0000000000000000_${"A".repeat(43)}` }),
    ],
    [
      "A's key id with a wrong secret",
      () => ({ authorization: `Bearer ck_${keyIdOf(a.apiKey)}_${"A".repeat(43)}` }),
    ],
    [
      "A's key with a character changed",
      () => ({
        authorization: `Bearer ${a.apiKey.slice(0, -1)}${a.apiKey.endsWith("A") ? "B" : "A"}`,
      }),
    ],
  ];

  it.each(malformed)("answers 401 with WWW-Authenticate to %s", async (_name, headers) => {
    for (const path of ["/v2/contacts", `/v2/contacts/${ofA.shared._id}`]) {
      const response = await server.fetch(path, { headers: headers() });
      expect(response.status, path).toBe(401);
      expect(response.headers.get("www-authenticate"), path).toMatch(/^Bearer\b/);
      const body = (await response.json()) as ApiErrorBody;
      expect(body.code).toBe("unauthorized");
      expect(JSON.stringify(body)).not.toContain("Alice");
    }
  });

  it("answers 401 with WWW-Authenticate to a revoked key, on every operation", async () => {
    const revoked = await server.workspace("isolation-revoked");
    const sibling = await server.workspace("isolation-revoked");
    expect(sibling.workspaceId).toBe(revoked.workspaceId);
    const contact = await create(revoked, { external_id: "kept" });
    expect(await server.stores.apiKeys.revokeKey(keyIdOf(revoked.apiKey), Date.now())).toBe(true);

    const attempts: [string, () => Promise<Response>][] = [
      ["list", () => revoked.fetch("/v2/contacts")],
      ["retrieve", () => revoked.fetch(`/v2/contacts/${contact._id}`)],
      [
        "create",
        () =>
          revoked.fetch("/v2/contacts", {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ external_id: "after-revoke" }),
          }),
      ],
      [
        "update",
        () =>
          revoked.fetch(`/v2/contacts/${contact._id}`, {
            method: "PATCH",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ display_name: "after revoke" }),
          }),
      ],
      ["delete", () => revoked.fetch(`/v2/contacts/${contact._id}`, { method: "DELETE" })],
    ];
    for (const [name, attempt] of attempts) {
      const response = await attempt();
      expect(response.status, name).toBe(401);
      expect(response.headers.get("www-authenticate"), name).toMatch(/^Bearer\b/);
      expect(((await response.json()) as ApiErrorBody).code, name).toBe("unauthorized");
    }

    // Nothing the revoked key tried took effect; another key of the workspace still works.
    const { data, response } = await retrieve(sibling, contact._id);
    expect(response.status).toBe(200);
    expect(data).toEqual(contact);
    expect((await list(sibling)).map((c) => c.external_id)).toEqual(["kept"]);
  });
});

it("every response conforms to openapi.yaml", () => {
  expect(server.specProblems()).toEqual([]);
});
