import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ApiErrorBody, Contact, CreateContactRequest, paths } from "@contacts/client";
import { decodeTime, encodeTime } from "ulid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_STORE } from "./support/postgres-databases.js";
import { startTestServer, type TestServer, type TestWorkspace } from "./support/test-server.js";

type ListQuery = NonNullable<paths["/v2/contacts"]["get"]["parameters"]["query"]>;

interface Page {
  ids: string[];
  hasMore: boolean;
  contacts: Contact[];
}

/** The lowest and highest well-formed contact ids: positions before and after every contact. */
const OLDEST_POSSIBLE_ID = `contact_${"0".repeat(26)}`;
const NEWEST_POSSIBLE_ID = `contact_7${"Z".repeat(25)}`;

/**
 * The clock steps 10 ms on every reading, so every contact gets its own millisecond and an id
 * strictly between two contacts can be made from a timestamp between theirs.
 */
let clock = Date.UTC(2030, 0, 1);
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ now: () => (clock += 10) });
});
afterAll(() => server.close());

/** Creates `count` contacts one after the other; returned oldest first. */
async function createContacts(
  ws: TestWorkspace,
  count: number,
  fields: (i: number) => Partial<CreateContactRequest> = () => ({}),
  prefix = "c",
): Promise<Contact[]> {
  const created: Contact[] = [];
  for (let i = 1; i <= count; i++) {
    const { data, response } = await ws.client.raw.POST("/v2/contacts", {
      body: { external_id: `${prefix}-${i}`, ...fields(i) },
    });
    expect(response.status).toBe(201);
    if (!data) throw new Error(`create ${prefix}-${i} answered no contact`);
    created.push(data);
  }
  return created;
}

/** Ids as the list must show them: newest first. */
function newestFirst(contacts: Contact[]): string[] {
  return contacts.map((c) => c._id).reverse();
}

async function listPage(ws: TestWorkspace, query: ListQuery = {}): Promise<Page> {
  const { data, error, response } = await ws.client.raw.GET("/v2/contacts", { params: { query } });
  expect(error, JSON.stringify(error)).toBeUndefined();
  expect(response.status).toBe(200);
  if (!data) throw new Error("list answered no body");
  expect(data.object).toBe("list");
  return { ids: data.data.map((c) => c._id), hasMore: data.has_more, contacts: data.data };
}

/** Follows `starting_after` from the newest page until `has_more` is false. */
async function walkForward(
  ws: TestWorkspace,
  query: ListQuery,
  between: (page: Page) => Promise<void> = async () => {},
): Promise<Page[]> {
  const pages: Page[] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 100; guard++) {
    const page = await listPage(ws, {
      ...query,
      ...(cursor !== undefined && { starting_after: cursor }),
    });
    pages.push(page);
    if (!page.hasMore) return pages;
    cursor = page.ids.at(-1);
    expect(cursor, "a page with has_more true must not be empty").toBeDefined();
    await between(page);
  }
  throw new Error("walk forward did not end after 100 pages");
}

/** Follows `ending_before` from a page's newest contact until `has_more` is false. */
async function walkBackward(ws: TestWorkspace, query: ListQuery, from: string): Promise<Page[]> {
  const pages: Page[] = [];
  let cursor = from;
  for (let guard = 0; guard < 100; guard++) {
    const page = await listPage(ws, { ...query, ending_before: cursor });
    pages.push(page);
    if (!page.hasMore) return pages;
    const first = page.ids[0];
    if (first === undefined) throw new Error("a page with has_more true must not be empty");
    cursor = first;
  }
  throw new Error("walk backward did not end after 100 pages");
}

/** A well-formed id that no contact has, strictly between two contacts made at different times. */
function idBetween(older: Contact, newer: Contact): string {
  const olderTime = decodeTime(older._id.slice("contact_".length));
  const newerTime = decodeTime(newer._id.slice("contact_".length));
  expect(newerTime - olderTime).toBeGreaterThan(1);
  return `contact_${encodeTime(olderTime + 1, 10)}${"0".repeat(16)}`;
}

async function rawList(ws: TestWorkspace, queryString: string) {
  const response = await ws.fetch(`/v2/contacts?${queryString}`);
  return { status: response.status, body: (await response.json()) as ApiErrorBody };
}

function detailPaths(body: ApiErrorBody): string[] {
  return (body.details ?? []).map((d) => d.path);
}

describe("an empty workspace", () => {
  const cases: [string, ListQuery][] = [
    ["with no cursor", {}],
    ["with no cursor and limit 1", { limit: 1 }],
    ["starting after the newest possible id", { starting_after: NEWEST_POSSIBLE_ID }],
    ["starting after the oldest possible id", { starting_after: OLDEST_POSSIBLE_ID }],
    ["ending before the oldest possible id", { ending_before: OLDEST_POSSIBLE_ID }],
    ["ending before the newest possible id", { ending_before: NEWEST_POSSIBLE_ID }],
  ];

  it.each(cases)("lists no contacts and no more pages %s", async (_name, query) => {
    const ws = await server.workspace();
    const page = await listPage(ws, query);
    expect(page.ids).toEqual([]);
    expect(page.hasMore).toBe(false);
  });
});

describe("walking every page", () => {
  const cases: [string, { count: number; limit?: number; pageSizes: number[] }][] = [
    ["1 contact, limit 1", { count: 1, limit: 1, pageSizes: [1] }],
    ["6 contacts, limit 3", { count: 6, limit: 3, pageSizes: [3, 3] }],
    ["6 contacts, limit 6", { count: 6, limit: 6, pageSizes: [6] }],
    ["6 contacts, limit 7", { count: 6, limit: 7, pageSizes: [6] }],
    ["7 contacts, limit 3", { count: 7, limit: 3, pageSizes: [3, 3, 1] }],
    ["5 contacts, limit 1", { count: 5, limit: 1, pageSizes: [1, 1, 1, 1, 1] }],
    ["10 contacts, the default limit", { count: 10, pageSizes: [10] }],
    ["11 contacts, the default limit", { count: 11, pageSizes: [10, 1] }],
    ["50 contacts, limit 50", { count: 50, limit: 50, pageSizes: [50] }],
    ["100 contacts, limit 50", { count: 100, limit: 50, pageSizes: [50, 50] }],
    ["101 contacts, limit 50", { count: 101, limit: 50, pageSizes: [50, 50, 1] }],
  ];

  describe.each(cases)("with %s", (_name, { count, limit, pageSizes }) => {
    let ws: TestWorkspace;
    let contacts: Contact[];
    let forward: Page[];
    const query: ListQuery = limit === undefined ? {} : { limit };

    beforeAll(async () => {
      ws = await server.workspace();
      contacts = await createContacts(ws, count);
      forward = await walkForward(ws, query);
    });

    it("pages forward in pages of the expected sizes, has_more false only on the last", () => {
      expect(forward.map((p) => p.ids.length)).toEqual(pageSizes);
      expect(forward.map((p) => p.hasMore)).toEqual(
        pageSizes.map((_, i) => i < pageSizes.length - 1),
      );
    });

    it("returns every contact exactly once, newest first (descending _id)", () => {
      const ids = forward.flatMap((p) => p.ids);
      expect(ids).toEqual(newestFirst(contacts));
      expect(new Set(ids).size).toBe(count);
      expect(ids).toEqual([...ids].sort().reverse());
    });

    it("walks back from the last page with ending_before through the same pages in reverse", async () => {
      const last = forward.at(-1);
      const from = last?.ids[0];
      if (from === undefined) throw new Error("the last page is empty");
      if (forward.length === 1) {
        // Nothing is newer than the first page.
        const page = await listPage(ws, { ...query, ending_before: from });
        expect(page).toEqual({ ids: [], hasMore: false, contacts: [] });
        return;
      }
      const backward = await walkBackward(ws, query, from);
      expect(backward.map((p) => p.ids)).toEqual(
        forward
          .slice(0, -1)
          .map((p) => p.ids)
          .reverse(),
      );
      expect(backward.map((p) => p.hasMore)).toEqual(
        backward.map((_, i) => i < backward.length - 1),
      );
    });

    it("lists the whole first page the same way with starting_after the newest possible id", async () => {
      const page = await listPage(ws, { ...query, starting_after: NEWEST_POSSIBLE_ID });
      expect(page.ids).toEqual(forward[0]?.ids);
      expect(page.hasMore).toBe(forward.length > 1);
    });
  });
});

describe("a cursor is a position, not a lookup", () => {
  let a: TestWorkspace;
  let b: TestWorkspace;
  /** a1 … a6 in workspace A, oldest first; between them B's contact and a deleted one of A. */
  let a1: Contact;
  let a2: Contact;
  let a3: Contact;
  let a4: Contact;
  let a5: Contact;
  let a6: Contact;
  let ofB: Contact;
  let deleted: Contact;

  beforeAll(async () => {
    a = await server.workspace();
    b = await server.workspace();
    [a1, a2, a3] = (await createContacts(a, 3, () => ({}), "a")) as [Contact, Contact, Contact];
    [ofB] = (await createContacts(b, 1, () => ({ display_name: "B private" }), "b")) as [Contact];
    [a4] = (await createContacts(a, 1, () => ({}), "a4")) as [Contact];
    [deleted] = (await createContacts(a, 1, () => ({}), "gone")) as [Contact];
    [a5, a6] = (await createContacts(a, 2, () => ({}), "a5")) as [Contact, Contact];
    const { response } = await a.client.raw.DELETE("/v2/contacts/{id}", {
      params: { path: { id: deleted._id } },
    });
    expect(response.status).toBe(204);
  });

  const ids = (...contacts: Contact[]) => contacts.map((c) => c._id);

  interface PositionCase {
    query: ListQuery;
    want: string[];
    hasMore: boolean;
  }

  // Each case reads the contacts made in beforeAll, so it is a function.
  const cases: [string, () => PositionCase][] = [
    [
      "starting after a deleted contact's id lists the contacts older than it",
      () => ({ query: { starting_after: deleted._id }, want: ids(a4, a3, a2, a1), hasMore: false }),
    ],
    [
      "starting after a deleted contact's id with limit 2 says more are older",
      () => ({
        query: { starting_after: deleted._id, limit: 2 },
        want: ids(a4, a3),
        hasMore: true,
      }),
    ],
    [
      "ending before a deleted contact's id lists the contacts newer than it",
      () => ({ query: { ending_before: deleted._id }, want: ids(a6, a5), hasMore: false }),
    ],
    [
      "starting after another workspace's contact id lists this workspace's older contacts",
      () => ({ query: { starting_after: ofB._id }, want: ids(a3, a2, a1), hasMore: false }),
    ],
    [
      "ending before another workspace's contact id lists this workspace's newer contacts",
      () => ({ query: { ending_before: ofB._id }, want: ids(a6, a5, a4), hasMore: false }),
    ],
    [
      "ending before another workspace's contact id with limit 1 gives the one just newer",
      () => ({ query: { ending_before: ofB._id, limit: 1 }, want: ids(a4), hasMore: true }),
    ],
    [
      "starting after an unknown id between a2 and a3 lists a2 and a1",
      () => ({ query: { starting_after: idBetween(a2, a3) }, want: ids(a2, a1), hasMore: false }),
    ],
    [
      "ending before an unknown id between a2 and a3 lists a6 down to a3",
      () => ({
        query: { ending_before: idBetween(a2, a3) },
        want: ids(a6, a5, a4, a3),
        hasMore: false,
      }),
    ],
    [
      "starting after the oldest possible id lists nothing",
      () => ({ query: { starting_after: OLDEST_POSSIBLE_ID }, want: [], hasMore: false }),
    ],
    [
      "ending before the oldest possible id with limit 2 lists the two oldest, newest first",
      () => ({
        query: { ending_before: OLDEST_POSSIBLE_ID, limit: 2 },
        want: ids(a2, a1),
        hasMore: true,
      }),
    ],
    [
      "starting after the newest possible id lists everything",
      () => ({
        query: { starting_after: NEWEST_POSSIBLE_ID },
        want: ids(a6, a5, a4, a3, a2, a1),
        hasMore: false,
      }),
    ],
    [
      "ending before the newest possible id lists nothing",
      () => ({ query: { ending_before: NEWEST_POSSIBLE_ID }, want: [], hasMore: false }),
    ],
  ];

  it.each(cases)("%s", async (_name, build) => {
    const { query, want, hasMore } = build();
    const page = await listPage(a, query);
    expect(page.ids).toEqual(want);
    expect(page.hasMore).toBe(hasMore);
    for (const contact of page.contacts) expect(contact.workspace_id).toBe(a.workspaceId);
    expect(JSON.stringify(page.contacts)).not.toContain("B private");
  });

  it("never lets another workspace's contact appear, whatever the cursor", async () => {
    for (const cursor of [ofB._id, deleted._id, OLDEST_POSSIBLE_ID, NEWEST_POSSIBLE_ID]) {
      for (const query of [{ starting_after: cursor }, { ending_before: cursor }]) {
        const page = await listPage(a, { ...query, limit: 50 });
        expect(page.ids).not.toContain(ofB._id);
        expect(page.ids).not.toContain(deleted._id);
      }
    }
  });
});

describe("malformed and conflicting cursors", () => {
  const contactId = "contact_01ARZ3NDEKTSV4RRFFQ69G5FAV";
  const malformed: [string, string][] = [
    ["a word", "not-an-id"],
    ["an external_id", "c-1"],
    ["a too short id", "contact_01ARZ3NDEKTSV4RRFFQ69G5FA"],
    ["a too long id", "contact_01ARZ3NDEKTSV4RRFFQ69G5FAVV"],
    ["a lower-case id", "contact_01arz3ndektsv4rrffq69g5fav"],
    ["an id with a letter outside Crockford base32", "contact_01ARZ3NDEKTSV4RRFFQ69G5FAU"],
    ["a bare ULID", "01ARZ3NDEKTSV4RRFFQ69G5FAV"],
    ["an empty value", ""],
  ];

  describe.each(["starting_after", "ending_before"])("for %s", (parameter) => {
    it("accepts a well-formed id that no contact has (the control case)", async () => {
      const ws = await server.workspace();
      const response = await ws.fetch(`/v2/contacts?${parameter}=${contactId}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ object: "list", data: [], has_more: false });
    });

    it.each(malformed)("rejects %s with 400", async (_name, value) => {
      const ws = await server.workspace();
      const { status, body } = await rawList(ws, `${parameter}=${encodeURIComponent(value)}`);
      expect(status).toBe(400);
      expect(body.code).toBe("validation_failed");
      expect(detailPaths(body)).toContain(`/query/${parameter}`);
    });
  });

  it("rejects starting_after and ending_before together, naming both", async () => {
    const ws = await server.workspace();
    const [older, newer] = (await createContacts(ws, 2)) as [Contact, Contact];
    const { data, error, response } = await ws.client.raw.GET("/v2/contacts", {
      params: { query: { starting_after: newer._id, ending_before: older._id } },
    });
    expect(response.status).toBe(400);
    expect(data).toBeUndefined();
    expect(error?.code).toBe("validation_failed");
    expect(detailPaths(error as ApiErrorBody)).toEqual(
      expect.arrayContaining(["/query/starting_after", "/query/ending_before"]),
    );
  });
});

describe("limit bounds", () => {
  let ws: TestWorkspace;
  beforeAll(async () => {
    ws = await server.workspace();
    await createContacts(ws, 51);
  });

  const rejected: [string, string][] = [
    ["0", "0"],
    ["51", "51"],
    ["a negative number", "-1"],
    ["a fraction", "1.5"],
    ["a word", "abc"],
    ["an empty value", ""],
  ];

  it.each(rejected)("rejects limit %s with 400 naming /query/limit", async (_name, value) => {
    const { status, body } = await rawList(ws, `limit=${encodeURIComponent(value)}`);
    expect(status).toBe(400);
    expect(body.code).toBe("validation_failed");
    expect(detailPaths(body)).toContain("/query/limit");
  });

  const accepted: [string, ListQuery, number, boolean][] = [
    ["limit 1", { limit: 1 }, 1, true],
    ["limit 50", { limit: 50 }, 50, true],
    ["no limit (default 10)", {}, 10, true],
  ];

  it.each(accepted)("accepts %s", async (_name, query, size, hasMore) => {
    const page = await listPage(ws, query);
    expect(page.ids).toHaveLength(size);
    expect(page.hasMore).toBe(hasMore);
  });

  it("ends at 51 contacts with limit 50: one more page of one", async () => {
    const pages = await walkForward(ws, { limit: 50 });
    expect(pages.map((p) => [p.ids.length, p.hasMore])).toEqual([
      [50, true],
      [1, false],
    ]);
  });
});

describe("inserts during a walk", () => {
  it("a forward walk never repeats nor skips a contact that existed when it began, and shows none added since", async () => {
    const ws = await server.workspace();
    const existing = await createContacts(ws, 10);
    let batch = 0;
    const added: Contact[] = [];
    const pages = await walkForward(ws, { limit: 3 }, async () => {
      added.push(...(await createContacts(ws, 2, () => ({}), `new-${++batch}`)));
    });
    const ids = pages.flatMap((p) => p.ids);
    expect(batch).toBe(3);
    expect(ids).toEqual(newestFirst(existing));
    expect(new Set(ids).size).toBe(ids.length);
    // The new contacts exist, and are newest: a fresh walk starts with them.
    const fresh = await listPage(ws, { limit: 6 });
    expect(fresh.ids).toEqual(newestFirst(added));
  });

  it("a forward walk continues past a cursor whose contact was deleted meanwhile", async () => {
    const ws = await server.workspace();
    const existing = await createContacts(ws, 7);
    const deleted: string[] = [];
    const pages = await walkForward(ws, { limit: 3 }, async (page) => {
      const cursor = page.ids.at(-1) as string;
      const { response } = await ws.client.raw.DELETE("/v2/contacts/{id}", {
        params: { path: { id: cursor } },
      });
      expect(response.status).toBe(204);
      deleted.push(cursor);
    });
    expect(deleted).toHaveLength(2);
    expect(pages.flatMap((p) => p.ids)).toEqual(newestFirst(existing));
  });

  it("a walk back with ending_before reaches the contacts added since the walk began", async () => {
    const ws = await server.workspace();
    const existing = await createContacts(ws, 6);
    const firstPage = await listPage(ws, { limit: 3 });
    expect(firstPage.ids).toEqual(newestFirst(existing).slice(0, 3));
    const added = await createContacts(ws, 4, () => ({}), "late");
    const from = firstPage.ids[0] as string;
    const back = await walkBackward(ws, { limit: 3 }, from);
    expect(back.map((p) => p.ids)).toEqual([
      newestFirst(added).slice(1, 4),
      newestFirst(added).slice(0, 1),
    ]);
    expect(back.map((p) => p.hasMore)).toEqual([true, false]);
  });
});

// The same cases with filtered lists run inline and on a list worker thread (a file database).
// List workers are SQLite's: on PostgreSQL only the first case runs.
describe.each(
  (
    [
      ["inline", false],
      ["on a list worker", true],
    ] as const
  ).filter(([, onWorker]) => TEST_STORE === "sqlite" || !onWorker),
)("filters with pagination (%s)", (_mode, onWorker) => {
  let filtered: TestServer;
  let dir: string;
  let ws: TestWorkspace;
  /** contacts[i - 1] is contact i. */
  let contacts: Contact[];
  afterAll(async () => {
    expect(filtered.specProblems()).toEqual([]);
    if (onWorker) await filtered.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Contact i (1…12): tags `all`, `even` when i is even, `three` when i is a multiple of 3;
   * display name `ÉLODIE i` when i % 4 is 1, `élodie i` when 2, `Marc i` when 3, none when 0;
   * email at `Example.ORG` when i is a multiple of 3, `example.com` otherwise.
   */
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "contacts-filters-"));
    filtered = onWorker
      ? await startTestServer({
          now: () => (clock += 10),
          databasePath: join(dir, "contacts.db"),
          listWorkers: 1,
        })
      : server;
    ws = await filtered.workspace();
    contacts = await createContacts(
      ws,
      12,
      (i) => ({
        display_name: [null, `ÉLODIE ${i}`, `élodie ${i}`, `Marc ${i}`][i % 4] ?? null,
        email: `p${i}@${i % 3 === 0 ? "Example.ORG" : "example.com"}`,
        tags: ["all", ...(i % 2 === 0 ? ["even"] : []), ...(i % 3 === 0 ? ["three"] : [])],
      }),
      "user",
    );
  });

  const matching = (predicate: (i: number) => boolean) =>
    contacts
      .filter((_, index) => predicate(index + 1))
      .map((c) => c._id)
      .reverse();

  const cases: [string, { query: ListQuery; want: (i: number) => boolean }][] = [
    ["one tag", { query: { tags: ["even"] }, want: (i) => i % 2 === 0 }],
    ["two tags (all must match)", { query: { tags: ["even", "three"] }, want: (i) => i % 6 === 0 }],
    ["a tag every contact has", { query: { tags: ["all"] }, want: () => true }],
    ["a tag no contact has", { query: { tags: ["nobody"] }, want: () => false }],
    [
      "search in lower case finding upper-case accented names",
      { query: { search: "élodie" }, want: (i) => i % 4 === 1 || i % 4 === 2 },
    ],
    [
      "search in upper case finding lower-case accented names",
      { query: { search: "ÉLODIE" }, want: (i) => i % 4 === 1 || i % 4 === 2 },
    ],
    [
      "search in external_id",
      { query: { search: "USER-1" }, want: (i) => String(i).startsWith("1") },
    ],
    ["search in email", { query: { search: "example.org" }, want: (i) => i % 3 === 0 }],
    [
      "search for a SQL LIKE wildcard % (taken literally)",
      { query: { search: "%%" }, want: () => false },
    ],
    [
      "search for a SQL LIKE wildcard _ (taken literally)",
      { query: { search: "__" }, want: () => false },
    ],
    [
      "search and a tag together",
      { query: { search: "élodie", tags: ["even"] }, want: (i) => i % 4 === 2 },
    ],
    [
      "search and two tags together",
      { query: { search: "EXAMPLE.org", tags: ["even", "all"] }, want: (i) => i % 6 === 0 },
    ],
  ];

  describe.each(cases)("with %s", (_name, { query, want }) => {
    it.each([1, 2, 5])(
      "walks forward with limit %i through exactly the matching contacts",
      async (limit) => {
        const expected = matching(want);
        const pages = await walkForward(ws, { ...query, limit });
        expect(pages.flatMap((p) => p.ids)).toEqual(expected);
        expect(pages.map((p) => p.ids.length)).toEqual(
          expected.length === 0
            ? [0]
            : Array.from({ length: Math.ceil(expected.length / limit) }, (_, i) =>
                Math.min(limit, expected.length - i * limit),
              ),
        );
      },
    );

    it("walks back from the last page through the same matching contacts", async () => {
      const expected = matching(want);
      const forward = await walkForward(ws, { ...query, limit: 1 });
      const from = forward.at(-1)?.ids[0];
      if (from === undefined) {
        expect(expected).toEqual([]);
        return;
      }
      const backward = await listPage(ws, { ...query, limit: 50, ending_before: from });
      expect(backward.ids).toEqual(expected.slice(0, -1));
      expect(backward.hasMore).toBe(false);
    });
  });

  it("uses a cursor that does not match the filter as a position", async () => {
    const seventh = contacts[6] as Contact; // odd: no `even` tag
    const page = await listPage(ws, { tags: ["even"], starting_after: seventh._id });
    expect(page.ids).toEqual(matching((i) => i % 2 === 0 && i < 7));
    const newer = await listPage(ws, { tags: ["even"], ending_before: seventh._id, limit: 2 });
    expect(newer.ids).toEqual(matching((i) => i === 8 || i === 10));
    expect(newer.hasMore).toBe(true);
  });

  const tagForms: [string, string][] = [
    ["comma-separated", "tags=even,three"],
    ["comma-separated and percent-encoded", "tags=even%2Cthree"],
    ["repeated", "tags=even&tags=three"],
  ];

  it.each(tagForms)("accepts the %s tag filter form", async (_name, tagQuery) => {
    const response = await ws.fetch(`/v2/contacts?${tagQuery}&limit=1`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: Contact[]; has_more: boolean };
    expect(body.data.map((c) => c._id)).toEqual(matching((i) => i === 12));
    expect(body.has_more).toBe(true);
    const next = await ws.fetch(
      `/v2/contacts?${tagQuery}&limit=1&starting_after=${body.data[0]?._id}`,
    );
    const nextBody = (await next.json()) as { data: Contact[]; has_more: boolean };
    expect(nextBody.data.map((c) => c._id)).toEqual(matching((i) => i === 6));
    expect(nextBody.has_more).toBe(false);
  });
});

it("every response conforms to openapi.yaml", () => {
  expect(server.specProblems()).toEqual([]);
});
