/**
 * The client SDK against the real server (port 0, real SQLite): every method of
 * `client.contacts`, its results, ETags and paging, each response checked against the spec.
 */
import { type Contact, createContactsClient } from "@contacts/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer, type TestWorkspace } from "../support/test-server.js";

let server: TestServer;
let ws: TestWorkspace;
let counter = 0;
const unique = (prefix: string) => `${prefix}_${++counter}`;

beforeAll(async () => {
  server = await startTestServer();
  ws = await server.workspace();
});
afterAll(() => server.close());

describe("client.contacts against the server", () => {
  it("creates a contact with every field, and gives its ETag", async () => {
    const body = {
      external_id: unique("sdk"),
      display_name: "Jane Smith",
      email: "jane.smith@example.com",
      avatar_url: "https://example.com/avatars/jane-smith.jpg",
      tags: ["premium", "beta-user"],
      metadata: { department: "Engineering", level: 3 },
    };
    const { data, etag, requestId, response } = await ws.client.contacts
      .create(body)
      .withResponse();
    expect(response.status).toBe(201);
    expect(data).toMatchObject({ ...body, workspace_id: ws.workspaceId });
    expect(data._id).toMatch(/^contact_[0-9A-Z]{26}$/);
    expect(etag).toMatch(/^".+"$/);
    expect(requestId).toBe(response.headers.get("request-id"));
    const again = await ws.client.contacts.retrieve(data._id).withResponse();
    expect(again.data).toEqual(data);
    expect(again.etag).toBe(etag);
  });

  it("retries a create whose response was lost with the same key: one contact, replayed", async () => {
    const keys: (string | null)[] = [];
    let lost = 0;
    const client = createContactsClient({
      baseUrl: server.baseUrl,
      apiKey: ws.apiKey,
      // The server gets and applies the first request, but its answer never arrives.
      fetch: async (request) => {
        keys.push(request.headers.get("idempotency-key"));
        const response = await globalThis.fetch(request);
        if (lost++ > 0) return response;
        await response.arrayBuffer();
        throw new TypeError("fetch failed", { cause: new Error("socket hang up") });
      },
    });
    const externalId = unique("lost");
    const { data, response } = await client.contacts
      .create({ external_id: externalId })
      .withResponse();
    expect(response.status).toBe(201);
    expect(response.headers.get("idempotent-replayed")).toBe("true");
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    const all = await ws.client.contacts.list({ search: externalId });
    expect(all.data).toEqual([data]);

    await client.contacts.create({ external_id: unique("lost") });
    expect(keys).toHaveLength(3);
    expect(keys[2]).not.toBe(keys[0]);
  });

  it("replays a create repeated with the caller's idempotencyKey", async () => {
    const key = unique("key");
    const once = await ws.client.contacts.create(
      { external_id: unique("idem") },
      { idempotencyKey: key },
    );
    const replay = await ws.client.contacts
      .create({ external_id: once.external_id }, { idempotencyKey: key })
      .withResponse();
    expect(replay.data).toEqual(once);
    expect(replay.response.headers.get("idempotent-replayed")).toBe("true");
  });

  it("retrieves by _id and by external_id", async () => {
    const created = await ws.client.contacts.create({ external_id: unique("find") });
    expect(await ws.client.contacts.retrieve(created._id)).toEqual(created);
    expect(await ws.client.contacts.retrieve(created.external_id)).toEqual(created);
  });

  it("iterates a tag-filtered list across pages, newest first, and pages by hand", async () => {
    const tag = unique("tag");
    const created: Contact[] = [];
    for (let i = 0; i < 25; i++) {
      created.push(await ws.client.contacts.create({ external_id: unique("p"), tags: [tag] }));
    }
    await ws.client.contacts.create({ external_id: unique("untagged") });
    const newestFirst = created.map((c) => c._id).reverse();

    const before = server.exchanges.length;
    const seen: string[] = [];
    for await (const contact of ws.client.contacts.list({ tags: [tag], limit: 10 })) {
      seen.push(contact._id);
    }
    expect(seen).toEqual(newestFirst);
    const pages = server.exchanges.slice(before);
    expect(pages.map((e) => new URL(e.url).searchParams.get("starting_after"))).toEqual([
      null,
      newestFirst[9],
      newestFirst[19],
    ]);

    const first = await ws.client.contacts.list({ tags: [tag], limit: 10 });
    expect(first).toMatchObject({ object: "list", has_more: true });
    expect(first.data.map((c) => c._id)).toEqual(newestFirst.slice(0, 10));
    const byHand: string[] = [];
    for await (const page of first.iterPages()) byHand.push(...page.data.map((c) => c._id));
    expect(byHand).toEqual(newestFirst);

    const back = await ws.client.contacts.list({
      tags: [tag],
      limit: 10,
      ending_before: newestFirst[24] ?? "",
    });
    const backwards: string[][] = [];
    for await (const page of back.iterPages()) backwards.push(page.data.map((c) => c._id));
    expect(backwards).toEqual([
      newestFirst.slice(14, 24),
      newestFirst.slice(4, 14),
      newestFirst.slice(0, 4),
    ]);
  });

  it("searches, and lists nothing when nothing matches", async () => {
    const name = unique("Searchable");
    const created = await ws.client.contacts.create({
      external_id: unique("s"),
      display_name: name,
    });
    const found = await ws.client.contacts.list({
      search: name.toLowerCase(),
      include_metrics: true,
    });
    expect(found.data).toEqual([created]);
    expect(found.hasNextPage()).toBe(false);
    const none: Contact[] = [];
    for await (const c of ws.client.contacts.list({ tags: [unique("none")] })) none.push(c);
    expect(none).toEqual([]);
  });

  it("revalidates with ifNoneMatch: null while unchanged, the contact once it changed", async () => {
    const created = await ws.client.contacts.create({ external_id: unique("etag") }).withResponse();
    const unchanged = await ws.client.contacts
      .retrieve(created.data._id, { ifNoneMatch: created.etag })
      .withResponse();
    expect(unchanged.data).toBeNull();
    expect(unchanged.response.status).toBe(304);
    expect(unchanged.etag).toBe(created.etag);
    await ws.client.contacts.update(created.data._id, { display_name: "Changed" });
    const changed = await ws.client.contacts
      .retrieve(created.data._id, { ifNoneMatch: created.etag })
      .withResponse();
    expect(changed.data?.display_name).toBe("Changed");
    expect(changed.etag).not.toBe(created.etag);
  });

  it("updates with merge-patch semantics, guarded by ifMatch", async () => {
    const created = await ws.client.contacts
      .create({
        external_id: unique("patch"),
        display_name: "Jane",
        email: "jane@example.com",
        tags: ["a", "b"],
        metadata: { keep: 1, drop: 2 },
      })
      .withResponse();
    const updated = await ws.client.contacts
      .update(
        created.data.external_id,
        { email: null, tags: ["c"], metadata: { drop: null, add: true } },
        { ifMatch: created.etag },
      )
      .withResponse();
    expect(updated.data).toMatchObject({
      _id: created.data._id,
      display_name: "Jane",
      email: null,
      tags: ["c"],
      metadata: { keep: 1, add: true },
    });
    expect(updated.etag).not.toBe(created.etag);
    expect(await ws.client.contacts.retrieve(created.data._id)).toEqual(updated.data);
  });

  it("deletes, guarded by ifMatch, and resolves to nothing", async () => {
    const created = await ws.client.contacts.create({ external_id: unique("del") }).withResponse();
    const deleted = await ws.client.contacts
      .delete(created.data._id, { ifMatch: created.etag })
      .withResponse();
    expect(deleted.data).toBeUndefined();
    expect(deleted.response.status).toBe(204);
    const other = await ws.client.contacts.create({ external_id: unique("del") });
    await expect(ws.client.contacts.delete(other.external_id)).resolves.toBeUndefined();
  });

  it("leaves no response outside the spec", () => {
    expect(server.exchanges.length).toBeGreaterThan(40);
    expect(server.specProblems()).toEqual([]);
  });
});
