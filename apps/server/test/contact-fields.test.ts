/**
 * Field rules over HTTP: every limit at its edge and one past it (with unicode), merge-patch
 * semantics, immutable fields, and that a refused request changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer, type TestWorkspace } from "./support/test-server.js";

let server: TestServer;
let ws: TestWorkspace;
/** The server's clock: tests move it to see `updated` move. */
let clock = Date.parse("2026-01-01T00:00:00.000Z");

beforeAll(async () => {
  server = await startTestServer({ now: () => clock });
  ws = await server.workspace();
});
afterAll(() => server.close());

let counter = 0;
const nextExternalId = () => `fields_${++counter}`;

/** A valid address of exactly `length` characters. */
function emailOfLength(length: number): string {
  const domain = `${"b".repeat(63)}.${"c".repeat(63)}.com`; // 131 characters
  return `${"a".repeat(length - domain.length - 1)}@${domain}`;
}
const keys = (n: number) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`key_${i}`, i]));

type Body = Record<string, unknown>;
const post = (body: Body) =>
  ws.fetch("/v2/contacts", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
const patch = (id: string, body: Body | string | undefined) =>
  ws.fetch(`/v2/contacts/${encodeURIComponent(id)}`, {
    method: "PATCH",
    headers: { "content-type": "application/json" },
    ...(body !== undefined && { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
const get = async (id: string) => (await ws.fetch(`/v2/contacts/${encodeURIComponent(id)}`)).json();

describe("limits on create, at the edge and one past it", () => {
  it.each<[string, number, Body, string?]>([
    ["external_id of 1 character", 201, { external_id: "x" }],
    ["empty external_id", 400, { external_id: "" }, "/body/external_id"],
    ["external_id of 120 characters", 201, { external_id: "e".repeat(120) }],
    ["external_id of 121 characters", 400, { external_id: "e".repeat(121) }, "/body/external_id"],
    ["external_id of 120 emoji (counted in characters)", 201, { external_id: "😀".repeat(120) }],
    ["external_id of 121 emoji", 400, { external_id: "😀".repeat(121) }, "/body/external_id"],
    ["display_name of 256 characters", 201, { display_name: "é".repeat(256) }],
    [
      "display_name of 257 characters",
      400,
      { display_name: "é".repeat(257) },
      "/body/display_name",
    ],
    ["email of 254 characters", 201, { email: emailOfLength(254) }],
    ["email of 255 characters", 400, { email: emailOfLength(255) }, "/body/email"],
    ["email that is not an address", 400, { email: "jane@" }, "/body/email"],
    [
      "avatar_url of 2048 characters",
      201,
      { avatar_url: `https://example.com/${"a".repeat(2028)}` },
    ],
    [
      "avatar_url of 2049 characters",
      400,
      { avatar_url: `https://example.com/${"a".repeat(2029)}` },
      "/body/avatar_url",
    ],
    [
      "avatar_url that is not http(s)",
      400,
      { avatar_url: "ftp://example.com/a.png" },
      "/body/avatar_url",
    ],
    ["avatar_url that is relative", 400, { avatar_url: "/a.png" }, "/body/avatar_url"],
    ["50 tags", 201, { tags: Array.from({ length: 50 }, (_, i) => `t${i}`) }],
    ["51 tags", 400, { tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }, "/body/tags"],
    ["a tag of 64 characters", 201, { tags: ["ü".repeat(64)] }],
    ["a tag of 65 characters", 400, { tags: ["ü".repeat(65)] }, "/body/tags/0"],
    ["an empty tag", 400, { tags: [""] }, "/body/tags/0"],
    ["metadata with 50 keys", 201, { metadata: keys(50) }],
    ["metadata with 51 keys", 400, { metadata: keys(51) }, "/body/metadata"],
    ["a metadata key of 40 characters", 201, { metadata: { ["k".repeat(40)]: 1 } }],
    [
      "a metadata key of 41 characters",
      400,
      { metadata: { ["k".repeat(41)]: 1 } },
      "/body/metadata",
    ],
    ["metadata of exactly 16 KiB", 201, { metadata: { k: "x".repeat(16384 - 8) } }],
    [
      "metadata of 16 KiB + 1 byte",
      400,
      { metadata: { k: "x".repeat(16384 - 7) } },
      "/body/metadata",
    ],
    ["an unknown field", 400, { nickname: "JJ" }, "/body/nickname"],
    ["a wrong type", 400, { display_name: 42 }, "/body/display_name"],
  ])("%s → %i", async (_name, status, fields, failingPath) => {
    const body = { external_id: nextExternalId(), ...fields };
    const res = await post(body);
    const json = (await res.json()) as { code?: string; details?: { path: string }[] };
    expect(res.status).toBe(status);
    if (failingPath) {
      expect(json.code).toBe("validation_failed");
      expect(json.details?.map((d) => d.path)).toContain(failingPath);
      // Refused means nothing was written.
      if (failingPath !== "/body/external_id") {
        expect((await ws.fetch(`/v2/contacts/${body.external_id}`)).status).toBe(404);
      }
    } else {
      expect(json).toMatchObject(fields);
    }
  });

  it("names every failing field at once", async () => {
    const res = await post({ external_id: "", email: "nope", tags: [""] });
    const json = (await res.json()) as { details: { path: string }[] };
    expect(json.details.map((d) => d.path).sort()).toEqual([
      "/body/email",
      "/body/external_id",
      "/body/tags/0",
    ]);
  });

  it("returns the seed's values as sent, dates in RFC 3339 UTC with milliseconds", async () => {
    const seed = {
      external_id: "user_12345",
      display_name: "Jane Smith",
      email: "jane.smith@example.com",
      avatar_url: "https://example.com/avatars/jane-smith.jpg",
      tags: ["premium", "beta-user", "enterprise"],
      metadata: {
        department: "Engineering",
        role: "Senior Developer",
        subscription_tier: "premium",
        last_login: "2024-01-15T10:30:00Z",
      },
    };
    const res = await post(seed);
    expect(res.status).toBe(201);
    const contact = (await res.json()) as Record<string, unknown>;
    expect(contact).toMatchObject({ ...seed, workspace_id: ws.workspaceId });
    expect(contact._id).toMatch(/^contact_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(contact.created).toBe(new Date(clock).toISOString());
    expect(contact.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it("collapses repeated tags, keeping the first order", async () => {
    const res = await post({ external_id: nextExternalId(), tags: ["b", "a", "b", "c", "a"] });
    expect(((await res.json()) as { tags: string[] }).tags).toEqual(["b", "a", "c"]);
  });

  it.each<[string, string, string]>([
    ["a number JSON cannot hold (1e400)", '{"n": 1e400}', "/body/metadata/n"],
    [
      "metadata nested 60,000 levels deep",
      `{"k": ${"[".repeat(60_000)}${"]".repeat(60_000)}}`,
      "/body/metadata/k",
    ],
  ])("refuses %s with 400 instead of storing something else", async (_name, metadata, path) => {
    const externalId = nextExternalId();
    const res = await ws.fetch("/v2/contacts", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: `{"external_id": "${externalId}", "metadata": ${metadata}}`,
    });
    expect(res.status).toBe(400);
    const json = (await res.json()) as { details: { path: string }[] };
    expect(json.details[0]?.path.startsWith(path)).toBe(true);
    expect((await ws.fetch(`/v2/contacts/${externalId}`)).status).toBe(404);
  });

  it("stores __proto__ and constructor metadata keys as plain data", async () => {
    const externalId = nextExternalId();
    const raw = `{"external_id":"${externalId}","metadata":{"__proto__":{"admin":true},"constructor":"x"}}`;
    const res = await ws.fetch("/v2/contacts", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: raw,
    });
    expect(res.status).toBe(201);
    const text = await (await ws.fetch(`/v2/contacts/${externalId}`)).text();
    expect(text).toContain('"metadata":{"__proto__":{"admin":true},"constructor":"x"}');
  });
});

describe("a duplicate external_id", () => {
  it("is one 201 and the rest 409 naming the winner, under 20 concurrent creates", async () => {
    const externalId = "race-for-this-external-id";
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => post({ external_id: externalId })),
    );
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as {
      _id?: string;
      existing_id?: string;
    }[];
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([201, ...Array(19).fill(409)]);
    const winner = bodies.find((_, i) => responses[i]?.status === 201)?._id;
    expect(new Set(bodies.filter((b) => b.existing_id).map((b) => b.existing_id))).toEqual(
      new Set([winner]),
    );
    const listed = (await (await ws.fetch(`/v2/contacts?search=${externalId}`)).json()) as {
      data: unknown[];
    };
    expect(listed.data).toHaveLength(1);
  });
});

describe("update is a JSON Merge Patch", () => {
  async function fresh() {
    const res = await post({
      external_id: nextExternalId(),
      display_name: "Jane",
      email: "jane@example.com",
      avatar_url: "https://example.com/a.png",
      tags: ["a", "b"],
      metadata: { plan: "pro", seats: 3 },
    });
    return (await res.json()) as Record<string, unknown> & { _id: string; external_id: string };
  }

  it.each<[string, Body, Body]>([
    [
      "absent fields stay",
      { display_name: "Janet" },
      { display_name: "Janet", email: "jane@example.com", tags: ["a", "b"] },
    ],
    [
      "null clears nullable fields",
      { display_name: null, email: null, avatar_url: null },
      { display_name: null, email: null, avatar_url: null },
    ],
    ["tags are replaced whole", { tags: ["c"] }, { tags: ["c"] }],
    [
      "metadata merges key by key, null removes",
      { metadata: { seats: 4, plan: null, region: "eu" } },
      { metadata: { seats: 4, region: "eu" } },
    ],
    ["metadata: null clears it", { metadata: null }, { metadata: {} }],
  ])("%s", async (_name, body, want) => {
    const before = await fresh();
    clock += 1000;
    const res = await patch(before._id, body);
    expect(res.status).toBe(200);
    const after = (await res.json()) as Record<string, unknown>;
    expect(after).toMatchObject(want);
    expect(after.created).toBe(before.created);
    expect(after.updated).toBe(new Date(clock).toISOString());
    expect(await get(before._id)).toEqual(after);
  });

  it("works by external_id too", async () => {
    const before = await fresh();
    const res = await patch(before.external_id, { display_name: "By external id" });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Body)._id).toBe(before._id);
  });

  it.each<[string, Body | string | undefined]>([
    ["an empty patch", {}],
    ["no body at all (orq.ai's client sends none when nothing changes)", undefined],
    ["a patch that sets what is already there", { display_name: "Jane", tags: ["a", "b"] }],
  ])("%s changes nothing, not even `updated`", async (_name, body) => {
    const before = await fresh();
    clock += 1000;
    const res = await patch(before._id, body);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(before);
  });

  it.each(["_id", "external_id", "workspace_id", "created", "updated"])(
    "refuses to change %s, naming it",
    async (field) => {
      const before = await fresh();
      const res = await patch(before._id, { display_name: "Changed", [field]: "x" });
      expect(res.status).toBe(400);
      const json = (await res.json()) as {
        code: string;
        details: { path: string; message: string }[];
      };
      expect(json.code).toBe("immutable_field");
      expect(json.details).toContainEqual({ path: `/body/${field}`, message: "cannot be changed" });
      expect(await get(before._id)).toEqual(before);
    },
  );

  it("refuses a merge that would exceed 50 metadata keys, writing nothing", async () => {
    const before = await fresh();
    const res = await patch(before._id, { display_name: "Changed", metadata: keys(49) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { details: { path: string }[] }).details[0]?.path).toBe(
      "/body/metadata",
    );
    expect(await get(before._id)).toEqual(before);
  });

  it.each<[string, string]>([
    ["malformed JSON", '{"display_name": '],
    ["a JSON array", "[]"],
    ["a JSON string", '"Jane"'],
  ])("answers %s with 400, writing nothing", async (_name, raw) => {
    const before = await fresh();
    const res = await patch(before._id, raw);
    expect(res.status).toBe(400);
    expect(await get(before._id)).toEqual(before);
  });
});

describe("retrieve", () => {
  it("finds an external_id with slashes, spaces and unicode", async () => {
    const externalId = "team/ünïcode id?#%";
    expect((await post({ external_id: externalId })).status).toBe(201);
    expect(((await get(externalId)) as { external_id: string }).external_id).toBe(externalId);
  });

  it.each([
    ["/V2/CONTACTS", 404],
    ["/v2/contacts/", 404],
  ])("routes only the spec's exact paths: %s → %i", async (path, status) => {
    expect((await ws.fetch(path)).status).toBe(status);
  });
});

describe("values the store could not keep as sent are refused", () => {
  it.each<[string, string, string]>([
    [
      "a lone surrogate in display_name",
      '{"external_id": "s1", "display_name": "a\\ud800b"}',
      "/body/display_name",
    ],
    ["a lone surrogate in a tag", '{"external_id": "s2", "tags": ["\\udc00"]}', "/body/tags/0"],
    [
      "a lone surrogate in a metadata key",
      '{"external_id": "s3", "metadata": {"\\ud800": 1}}',
      "/body/metadata/",
    ],
    [
      "an external_id shaped like a contact _id",
      '{"external_id": "contact_01ARZ3NDEKTSV4RRFFQ69G5FAV"}',
      "/body/external_id",
    ],
    ["a control character in external_id", '{"external_id": "a\\u0000b"}', "/body/external_id"],
    [
      "an external_id of .. (URL clients resolve it away)",
      '{"external_id": ".."}',
      "/body/external_id",
    ],
    [
      "a comma in a tag (the tag filter splits on commas)",
      '{"external_id": "s4", "tags": ["a,b"]}',
      "/body/tags/0",
    ],
    [
      "an avatar_url without a host",
      '{"external_id": "s5", "avatar_url": "https://"}',
      "/body/avatar_url",
    ],
  ])("%s → 400", async (_name, raw, path) => {
    const res = await ws.fetch("/v2/contacts", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: raw,
    });
    expect(res.status).toBe(400);
    const json = (await res.json()) as { details: { path: string }[] };
    expect(json.details.some((d) => d.path.startsWith(path))).toBe(true);
  });

  it.each<[string, Record<string, string>]>([
    ["a compressed body", { "content-type": "application/json", "content-encoding": "gzip" }],
    ["a body in UTF-16", { "content-type": "application/json; charset=utf-16le" }],
    ["a body in UTF-7", { "content-type": "application/json; charset=utf-7" }],
  ])("refuses %s with 415", async (_name, headers) => {
    const res = await ws.fetch("/v2/contacts", { method: "POST", headers, body: "not really" });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { code: string }).code).toBe("unsupported_media_type");
  });

  it("refuses a lone surrogate in an update too, changing nothing", async () => {
    const created = (await (
      await post({ external_id: nextExternalId(), display_name: "ok" })
    ).json()) as {
      _id: string;
    };
    const res = await patch(created._id, '{"display_name": "\\ud800"}');
    expect(res.status).toBe(400);
    expect(((await get(created._id)) as { display_name: string }).display_name).toBe("ok");
  });

  it("merges nested metadata as RFC 7396 says", async () => {
    const created = (await (
      await post({
        external_id: nextExternalId(),
        metadata: { prefs: { theme: "dark", lang: "en" } },
      })
    ).json()) as { _id: string };
    const res = await patch(created._id, { metadata: { prefs: { theme: null } } });
    expect(((await res.json()) as { metadata: unknown }).metadata).toEqual({
      prefs: { lang: "en" },
    });
  });
});

it("every response of this file conforms to openapi.yaml", () => {
  expect(server.specProblems()).toEqual([]);
});
