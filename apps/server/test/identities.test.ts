/**
 * /v2/identities over HTTP: the identity wire shape (wrappers, absent fields omitted, metrics on
 * request), the any-of tag filter, every sort_by walked both ways, and one record behind both
 * surfaces with ETags, If-Match, If-None-Match and Idempotency-Key behaving alike.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer, type TestWorkspace } from "./support/test-server.js";

type Json = Record<string, unknown>;
interface Identity {
  _id: string;
  external_id: string;
  display_name?: string;
  updated: string;
  tags: string[];
  [field: string]: unknown;
}

let clock = Date.UTC(2031, 0, 1);
let server: TestServer;
let ws: TestWorkspace;

beforeAll(async () => {
  server = await startTestServer({ now: () => (clock += 10) });
  ws = await server.workspace();
});
afterAll(() => server.close());

async function call(method: string, path: string, body?: unknown, headers: Json = {}) {
  const response = await ws.fetch(path, {
    method,
    headers: {
      ...(headers as Record<string, string>),
      ...(body !== undefined && { "content-type": "application/json" }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text === "" ? undefined : JSON.parse(text)) as Json,
  };
}

let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}`;

async function createIdentity(fields: Json): Promise<Identity> {
  const answer = await call("POST", "/v2/identities", fields);
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body.identity as Identity;
}

describe("the identity wire shape", () => {
  it("wraps a created identity, omits absent fields instead of null, and locates it", async () => {
    const answer = await call("POST", "/v2/identities", {
      external_id: unique("shape"),
      email: null,
    });
    expect(answer.status).toBe(201);
    const identity = answer.body.identity as Identity;
    expect(Object.keys(answer.body)).toEqual(["identity"]);
    expect(identity).not.toHaveProperty("display_name");
    expect(identity).not.toHaveProperty("email");
    expect(identity).not.toHaveProperty("avatar_url");
    expect(identity).not.toHaveProperty("metrics");
    expect(identity).not.toHaveProperty("budget");
    expect(identity).toMatchObject({ tags: [], metadata: {}, workspace_id: ws.workspaceId });
    expect(answer.headers.get("location")).toBe(`/v2/identities/${identity._id}`);
  });

  it("carries metrics only with include_metrics=true, on retrieve and on list", async () => {
    const { _id } = await createIdentity({ external_id: unique("metrics") });
    const zeros = { total_cost: 0, total_tokens: 0, total_requests: 0, error_rate: 0 };
    const plain = await call("GET", `/v2/identities/${_id}?include_budget=true`);
    expect(plain.body.identity).not.toHaveProperty("metrics");
    const asked = await call("GET", `/v2/identities/${_id}?include_metrics=true`);
    expect((asked.body.identity as Json).metrics).toEqual(zeros);
    const list = await call("GET", "/v2/identities?include_metrics=true&limit=1");
    expect(((list.body.data as Json[])[0] as Json).metrics).toEqual(zeros);
    const listPlain = await call("GET", "/v2/identities?include_metrics=false&limit=1");
    expect((listPlain.body.data as Json[])[0]).not.toHaveProperty("metrics");
  });

  it("answers delete with 200 {} and then 404", async () => {
    const { _id } = await createIdentity({ external_id: unique("gone") });
    const deleted = await call("DELETE", `/v2/identities/${_id}`);
    expect(deleted).toMatchObject({ status: 200, body: {} });
    expect((await call("GET", `/v2/identities/${_id}`)).status).toBe(404);
    expect((await call("DELETE", `/v2/identities/${_id}`)).body).toMatchObject({
      code: "not_found",
      error: `Identity not found: ${_id}`,
    });
  });
});

describe("filter_by.tags", () => {
  it("keeps identities with at least one of the tags, repeated or single", async () => {
    const own = await server.workspace();
    const make = async (tags: string[]) =>
      (
        await own
          .fetch("/v2/identities", {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ external_id: unique("tagged"), tags }),
          })
          .then((r) => r.json() as Promise<{ identity: Identity }>)
      ).identity._id;
    const a = await make(["a"]);
    const b = await make(["b", "x"]);
    await make(["c"]);
    const ab = await make(["a", "b"]);
    const list = async (query: string) =>
      (
        (await (await own.fetch(`/v2/identities?${query}`)).json()) as { data: Identity[] }
      ).data.map((i) => i._id);
    expect(await list("filter_by.tags=a&filter_by.tags=b")).toEqual([ab, b, a]);
    expect(await list("filter_by.tags=a")).toEqual([ab, a]);
    // Contacts' tags filter still means all of them.
    const contacts = (await (await own.fetch("/v2/contacts?tags=a,b")).json()) as {
      data: Identity[];
    };
    expect(contacts.data.map((c) => c._id)).toEqual([ab]);
    const comma = await own.fetch("/v2/identities?filter_by.tags=a,b");
    expect(comma.status).toBe(400);
  });
});

describe("sort_by with cursors", () => {
  let own: TestWorkspace;
  const created: Identity[] = [];

  beforeAll(async () => {
    own = await server.workspace();
    const names = ["Mia", null, "anna", "Zoë", "Mia", null, "Bo", "mia", "Åsa", "Bo", "Ünal"];
    for (const [i, name] of names.entries()) {
      const response = await own.fetch("/v2/identities", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ external_id: `sorted-${i}`, display_name: name }),
      });
      created.push(((await response.json()) as { identity: Identity }).identity);
    }
    // Touch a few, so that the updated order differs from the creation order.
    for (const i of [3, 0, 7]) {
      const target = created[i] as Identity;
      const response = await own.fetch(`/v2/identities/${target._id}`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ metadata: { touched: i } }),
      });
      created[i] = ((await response.json()) as { identity: Identity }).identity;
    }
  });

  const byKey: Record<string, (a: Identity, b: Identity) => number> = {
    IDENTITY_SORT_FIELD_UNSPECIFIED: (a, b) => (a._id < b._id ? 1 : -1),
    IDENTITY_SORT_FIELD_DISPLAY_NAME: (a, b) => {
      const [x, y] = [a.display_name, b.display_name];
      if (x === y) return a._id < b._id ? -1 : 1;
      if (x === undefined) return -1;
      if (y === undefined) return 1;
      return x < y ? -1 : 1;
    },
    IDENTITY_SORT_FIELD_UPDATED: (a, b) =>
      a.updated === b.updated ? (a._id < b._id ? 1 : -1) : a.updated < b.updated ? 1 : -1,
  };

  async function page(query: string) {
    const response = await own.fetch(`/v2/identities?${query}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: Identity[]; has_more: boolean };
    return { ids: body.data.map((i) => i._id), hasMore: body.has_more };
  }

  it.each(Object.keys(byKey))("walks %s forward and back with no repeat or gap", async (sort) => {
    const want = [...created].sort(byKey[sort]).map((i) => i._id);
    for (const limit of [1, 3, 4, 50]) {
      const forward: string[][] = [];
      let query = `sort_by=${sort}&limit=${limit}`;
      for (;;) {
        const { ids, hasMore } = await page(query);
        forward.push(ids);
        if (!hasMore) break;
        query = `sort_by=${sort}&limit=${limit}&starting_after=${ids.at(-1)}`;
      }
      expect(forward.flat(), `forward by ${limit}`).toEqual(want);

      const backward: string[][] = [];
      const last = forward.at(-1) as string[];
      query = `sort_by=${sort}&limit=${limit}&ending_before=${last[0]}`;
      for (;;) {
        const { ids, hasMore } = await page(query);
        if (ids.length > 0) backward.unshift(ids);
        if (!hasMore) break;
        query = `sort_by=${sort}&limit=${limit}&ending_before=${ids[0]}`;
      }
      expect([...backward.flat(), ...last], `backward by ${limit}`).toEqual(want);
    }
  });

  it("refuses, under a sorted order, a cursor that names no identity of the workspace", async () => {
    const { _id } = await createIdentity({ external_id: unique("cursor") });
    await call("DELETE", `/v2/identities/${_id}`);
    const answer = await own.fetch(
      `/v2/identities?sort_by=IDENTITY_SORT_FIELD_DISPLAY_NAME&ending_before=${_id}`,
    );
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({
      code: "validation_failed",
      details: [{ path: "/query/ending_before" }],
    });
    // Under the default order a cursor is a position: still fine.
    expect((await own.fetch(`/v2/identities?starting_after=${_id}`)).status).toBe(200);
  });

  it("refuses an unknown sort_by", async () => {
    expect((await own.fetch("/v2/identities?sort_by=NAME")).status).toBe(400);
  });
});

describe("one record behind both surfaces", () => {
  it("makes a contact an identity: retrieved, updated and deleted through /v2/identities", async () => {
    const externalId = unique("both");
    const contact = await call("POST", "/v2/contacts", { external_id: externalId, email: null });
    const id = contact.body._id as string;
    const viaIdentity = await call("GET", `/v2/identities/${externalId}`);
    expect((viaIdentity.body.identity as Identity)._id).toBe(id);
    expect(viaIdentity.headers.get("etag")).toBe(contact.headers.get("etag"));

    const updated = await call("PATCH", `/v2/identities/${id}`, { display_name: "Via identity" });
    expect((updated.body.identity as Identity).display_name).toBe("Via identity");
    expect((await call("GET", `/v2/contacts/${id}`)).body.display_name).toBe("Via identity");

    expect((await call("DELETE", `/v2/identities/${externalId}`)).status).toBe(200);
    expect((await call("GET", `/v2/contacts/${id}`)).status).toBe(404);
  });

  it("makes an identity a contact, with nulls for what the identity omits", async () => {
    const identity = await createIdentity({ external_id: unique("reverse"), tags: ["t"] });
    const contact = await call("GET", `/v2/contacts/${identity._id}`);
    expect(contact.body).toMatchObject({ _id: identity._id, display_name: null, tags: ["t"] });
    expect((await call("PATCH", `/v2/contacts/${identity._id}`, { email: "a@b.co" })).status).toBe(
      200,
    );
    const again = await call("GET", `/v2/identities/${identity._id}`);
    expect((again.body.identity as Identity).email).toBe("a@b.co");
    expect((await call("DELETE", `/v2/contacts/${identity._id}`)).status).toBe(204);
    expect((await call("GET", `/v2/identities/${identity._id}`)).status).toBe(404);
  });

  it("refuses a duplicate external_id across surfaces with 409 naming the holder", async () => {
    const externalId = unique("dup");
    const { _id } = await createIdentity({ external_id: externalId });
    const again = await call("POST", "/v2/contacts", { external_id: externalId });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: "external_id_conflict", existing_id: _id });
    const twice = await call("POST", "/v2/identities", { external_id: externalId });
    expect(twice.body).toMatchObject({ code: "external_id_conflict", existing_id: _id });
  });

  it("honours If-None-Match and If-Match with the same ETags on both surfaces", async () => {
    const created = await call("POST", "/v2/identities", { external_id: unique("etag") });
    const id = (created.body.identity as Identity)._id;
    const etag = created.headers.get("etag") as string;
    expect(
      (await call("GET", `/v2/identities/${id}`, undefined, { "if-none-match": etag })).status,
    ).toBe(304);
    expect(
      (await call("GET", `/v2/contacts/${id}`, undefined, { "if-none-match": etag })).status,
    ).toBe(304);

    const moved = await call(
      "PATCH",
      `/v2/contacts/${id}`,
      { display_name: "x" },
      { "if-match": etag },
    );
    expect(moved.status).toBe(200);
    const stale = await call(
      "PATCH",
      `/v2/identities/${id}`,
      { display_name: "y" },
      { "if-match": etag },
    );
    expect(stale).toMatchObject({ status: 412, body: { code: "precondition_failed" } });
    const staleDelete = await call("DELETE", `/v2/identities/${id}`, undefined, {
      "if-match": etag,
    });
    expect(staleDelete.status).toBe(412);
    const fresh = moved.headers.get("etag") as string;
    expect(
      (await call("DELETE", `/v2/identities/${id}`, undefined, { "if-match": fresh })).status,
    ).toBe(200);
  });

  it("replays an identity create under its Idempotency-Key, and keeps keys per request", async () => {
    const key = unique("key");
    const body = { external_id: unique("idem") };
    const first = await call("POST", "/v2/identities", body, { "idempotency-key": key });
    const again = await call("POST", "/v2/identities", body, { "idempotency-key": key });
    expect(first.status).toBe(201);
    expect(again).toMatchObject({ status: 201, body: first.body });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("location")).toBe(first.headers.get("location"));
    expect(again.headers.get("etag")).toBe(first.headers.get("etag"));
    // The same key and body on the other surface is another request (another path).
    const other = await call("POST", "/v2/contacts", body, { "idempotency-key": key });
    expect(other.status).toBe(422);
  });
});

it("made only exchanges that conform to openapi.yaml", () => {
  expect(server.specProblems()).toEqual([]);
});
