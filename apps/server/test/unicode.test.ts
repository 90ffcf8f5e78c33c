/**
 * Unicode over HTTP: external_ids, tags, display names, search terms and path ids are taken in
 * NFC, so canonically equivalent spellings are one value and find each other; invisible and
 * bidi-control characters are refused in external_ids and tags; search lower-cases (no folding).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer, type TestWorkspace } from "./support/test-server.js";

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

/** é as one code point (NFC), and as e + U+0301 COMBINING ACUTE ACCENT (NFD). */
const NFC = "\u00e9";
const NFD = "e\u0301";

type Body = Record<string, unknown>;
const post = (body: Body) =>
  ws.fetch("/v2/contacts", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
const list = async (query: string) =>
  (
    (await (await ws.fetch(`/v2/contacts?${query}`)).json()) as { data: { _id: string }[] }
  ).data.map((c) => c._id);

describe("NFC on the way in", () => {
  it("stores an external_id in NFC: both spellings are one id, found by either", async () => {
    const created = await post({ external_id: `ren${NFD}-1` });
    expect(created.status).toBe(201);
    const contact = (await created.json()) as { _id: string; external_id: string };
    expect(contact.external_id).toBe(`ren${NFC}-1`);

    const again = await post({ external_id: `ren${NFC}-1` });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ existing_id: contact._id });

    for (const spelling of [NFC, NFD]) {
      const found = await ws.fetch(`/v2/contacts/${encodeURIComponent(`ren${spelling}-1`)}`);
      expect(found.status, spelling).toBe(200);
      expect(((await found.json()) as { _id: string })._id).toBe(contact._id);
    }
  });

  it("stores tags in NFC, collapsing spellings of one tag; the tag filter finds it either way", async () => {
    const created = await post({ external_id: "tagged-1", tags: [`caf${NFD}`, `caf${NFC}`, "x"] });
    const contact = (await created.json()) as { _id: string; tags: string[] };
    expect(contact.tags).toEqual([`caf${NFC}`, "x"]);
    for (const spelling of [NFC, NFD]) {
      expect(await list(`tags=${encodeURIComponent(`caf${spelling}`)}`), spelling).toEqual([
        contact._id,
      ]);
    }
    const patched = await ws.fetch(`/v2/contacts/${contact._id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tags: [`th${NFD}`, `th${NFC}`] }),
    });
    expect(((await patched.json()) as { tags: string[] }).tags).toEqual([`th${NFC}`]);
  });

  it("finds a name by a search in either spelling, and a search finds either spelling", async () => {
    const composed = (await (
      await post({ external_id: "name-1", display_name: `Andr${NFC} Zed` })
    ).json()) as {
      _id: string;
    };
    const decomposed = (await (
      await post({ external_id: "name-2", display_name: `ANDR${NFD.toUpperCase()} Zy` })
    ).json()) as { _id: string; display_name: string };
    expect(decomposed.display_name).toBe(`ANDR${NFC.toUpperCase()} Zy`);
    for (const spelling of [NFC, NFD]) {
      const found = await list(`search=${encodeURIComponent(`andr${spelling} z`)}`);
      expect(found.sort(), spelling).toEqual([composed._id, decomposed._id].sort());
    }
  });

  it("refuses a value that NFC makes longer than its limit", async () => {
    // U+0958 is excluded from composition: NFC spells it with two code points.
    const res = await post({ external_id: "\u0958".repeat(61) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ details: [{ path: "/body/external_id" }] });
  });
});

describe("invisible and bidi-control characters", () => {
  it.each([
    ["a zero-width space", "\u200b"],
    ["a zero-width joiner", "\u200d"],
    ["a right-to-left mark", "\u200f"],
    ["a right-to-left override", "\u202e"],
    ["a first-strong isolate", "\u2068"],
    ["a word joiner", "\u2060"],
    ["a byte order mark", "\ufeff"],
    ["an Arabic letter mark", "\u061c"],
  ])("refuses %s in an external_id and in a tag, with 400", async (_name, char) => {
    const inId = await post({ external_id: `admin${char}` });
    expect(inId.status).toBe(400);
    expect(await inId.json()).toMatchObject({ details: [{ path: "/body/external_id" }] });
    const inTag = await post({ external_id: `ok-${char.codePointAt(0)}`, tags: [`vip${char}`] });
    expect(inTag.status).toBe(400);
    expect(((await inTag.json()) as { details: { path: string }[] }).details[0]?.path).toMatch(
      /^\/body\/tags\/0/,
    );
    const filter = await ws.fetch(`/v2/contacts?tags=${encodeURIComponent(`vip${char}`)}`);
    expect(filter.status).toBe(400);
  });

  it("keeps them in a display name, where right-to-left text needs them", async () => {
    const name = "\u202bשלום\u202c";
    const res = await post({ external_id: "rtl-1", display_name: name });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { display_name: string }).display_name).toBe(name);
  });
});

describe("search case-insensitivity is lower-casing, not folding", () => {
  it.each([
    ["ẞ finds ß (ẞ lower-cases to ß)", "STRA\u1e9eE", 1, true],
    ["STRASSE does not find ß", "STRASSE", 2, false],
  ])("%s", async (_name, term, n, found) => {
    const res = await post({ external_id: `street-${n}`, display_name: "Hauptstraße" });
    const { _id } = (await res.json()) as { _id: string };
    const ids = await list(`search=${encodeURIComponent(term)}`);
    expect(ids.includes(_id)).toBe(found);
  });
});
