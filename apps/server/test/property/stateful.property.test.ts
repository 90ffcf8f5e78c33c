/**
 * Model-based test (fast-check commands): random sequences of create / list (cursors both ways,
 * tags, search) / walk (every page) / retrieve (by _id or external_id) / update (merge patch,
 * If-Match) / delete (If-Match) over TWO workspaces, each step checked against an in-memory model
 * of what the server must hold: statuses (201, 200, 204, 404, 409 naming the holder, 412, 400 for
 * merged metadata over its limits or text NFC makes too long), every field (text in NFC), newest-first order by _id, has_more, `updated`
 * and the ETag moving exactly when something changed, and nothing leaking across workspaces.
 *
 * One real server (SQLite :memory:) per property and two fresh workspaces per run, so runs never
 * see each other's contacts. Request bodies come from the spec's schemas (json-schema-arbitrary)
 * with external_ids, tags and names drawn from small pools so that conflicts, filters and searches
 * hit. Query strings are fully percent-encoded here: how clients encode them is the operations
 * test's business, the state is this one's.
 *
 * Budget: fast and seeded in `npm test`; DEEP=1 or PROPERTY_RUNS=n for a large run, which prints
 * what it covered. A failure prints the seed, path and shrunk command list (FC_SEED / FC_PATH).
 */
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { MAX_TEXT_LENGTHS } from "../../src/contacts/contact-rules.js";
import type { Exchange } from "../support/spec-validator.js";
import {
  specValidator,
  startTestServer,
  type TestServer,
  type TestWorkspace,
} from "../support/test-server.js";
import { specArbitraries } from "./json-schema-arbitrary.js";
import {
  Coverage,
  DEEP,
  fcParameters,
  numRuns,
  REQUEST_TIMEOUT_MS,
  TEST_TIMEOUT_MS,
} from "./property-budget.js";

/** The server's limits the schema cannot express (DESIGN §2: metadata). */
const MAX_METADATA_KEYS = 50;
const MAX_METADATA_BYTES = 16 * 1024;
/** Positions before and after every possible contact. */
const OLDEST_POSSIBLE_ID = `contact_${"0".repeat(26)}`;
const NEWEST_POSSIBLE_ID = `contact_7${"Z".repeat(25)}`;
const CONTACT_ID = /^contact_[0-9A-HJKMNP-TV-Z]{26}$/;
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** "Zoë" also spelled with a combining diaeresis (NFD): the server takes both as one value. */
const ZOE_NFD = "Zoe\u0308";
const EXTERNAL_IDS = [
  "user_1",
  "user_2",
  "USER_1",
  "a/b",
  "Zoë",
  ZOE_NFD,
  "x y",
  "100%",
  "~",
  "a?b#c",
];
const TAGS = ["a", "b", "premium", "beta-user", "Zoë", ZOE_NFD, "x y"];
const NAMES = ["Jane Smith", "jane", "JANE DOE", "Zoë Ünal", null];
const EMAILS = ["jane@example.com", "JANE@EXAMPLE.COM", "zoe@example.org", null];
const SEARCHES = [
  "user",
  "USER_1",
  "jane",
  "Jane S",
  "@example",
  "zoë",
  "ZOË",
  "zoe\u0308",
  "x y",
  "%%",
  "a/",
  "_1",
  "er",
];
const METADATA_KEYS = ["plan", "seats", "nested", "__proto__", "k1", "k2"];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface ModelContact {
  _id: string;
  external_id: string;
  display_name: string | null;
  email: string | null;
  avatar_url: string | null;
  tags: string[];
  metadata: JsonObject;
  created: string;
  updated: string;
  etag: string;
  /** ETags this contact had before: an If-Match with one of them must fail. */
  staleEtags: string[];
}

interface Model {
  /** Per workspace, the contacts that exist. */
  contacts: [ModelContact[], ModelContact[]];
  /** _ids of deleted contacts (still valid cursors). */
  deleted: string[];
  /** The greatest _id the server has handed out: ids only grow. */
  lastId: string;
}

interface Real {
  ws: [TestWorkspace, TestWorkspace];
}

type Ws = 0 | 1;

let server: TestServer;
let clock = Date.UTC(2030, 0, 1);
const coverage = new Coverage("stateful.property");

beforeAll(async () => {
  // Every reading moves the clock, so `updated` moves on every change and ids are ordered.
  server = await startTestServer({ now: () => (clock += 1) });
});
afterAll(async () => {
  coverage.print();
  await server.close();
});

// ---- the model's rules ----

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
/** Text as the server stores and compares it: Unicode NFC. */
const nfc = (text: string) => text.normalize("NFC");
const nfcOrNull = (text: unknown) => (typeof text === "string" ? nfc(text) : null);
const dedupe = (tags: readonly string[]) => [...new Set(tags.map(nfc))];

/** The first text field NFC makes longer than its limit, in the server's order; it answers 400. */
function overLimitInNfc(fields: Record<string, unknown>): string | undefined {
  const limits = {
    external_id: MAX_TEXT_LENGTHS.externalId,
    display_name: MAX_TEXT_LENGTHS.displayName,
    email: MAX_TEXT_LENGTHS.email,
  };
  for (const [field, max] of Object.entries(limits)) {
    const value = fields[field];
    if (typeof value === "string" && [...nfc(value)].length > max) return `/body/${field}`;
  }
  const tags = Array.isArray(fields.tags) ? (fields.tags as string[]) : [];
  const long = tags.findIndex((tag) => [...nfc(tag)].length > MAX_TEXT_LENGTHS.tag);
  return long === -1 ? undefined : `/body/tags/${long}`;
}
const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** RFC 7396 MergePatch (objects merge at every depth, null removes, the rest replaces). */
function mergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const merged = new Map(Object.entries(isObject(target) ? target : {}));
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) merged.delete(key);
    else merged.set(key, mergePatch(merged.get(key), value));
  }
  return Object.fromEntries(merged);
}

/** JSON with sorted keys: equal texts mean equal values. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    isObject(item as Json)
      ? Object.fromEntries(Object.entries(item as JsonObject).sort(([a], [b]) => (a < b ? -1 : 1)))
      : item,
  );
}

/** The contact a ref names in a workspace: an `_id` match wins over an `external_id` match. */
function lookup(contacts: readonly ModelContact[], ref: string): ModelContact | undefined {
  const key = nfc(ref);
  return contacts.find((c) => c._id === key) ?? contacts.find((c) => c.external_id === key);
}

function matches(contact: ModelContact, filter: ListFilter): boolean {
  const term = filter.search === undefined ? undefined : nfc(filter.search).toLowerCase();
  const found =
    term === undefined ||
    [contact.external_id, contact.display_name ?? "", contact.email ?? ""].some((field) =>
      field.toLowerCase().includes(term),
    );
  return found && (filter.tags ?? []).every((tag) => contact.tags.includes(nfc(tag)));
}

/** The model's list, newest first. */
function newestFirst(contacts: readonly ModelContact[], filter: ListFilter): ModelContact[] {
  return contacts.filter((c) => matches(c, filter)).sort((a, b) => (a._id < b._id ? 1 : -1));
}

interface Page {
  ids: string[];
  hasMore: boolean;
}

/** The page the server must return (Stripe semantics; see openapi.yaml listContacts). */
function expectedPage(all: ModelContact[], limit: number, cursor: Cursor | undefined): Page {
  if (cursor?.direction === "before") {
    const newer = all.filter((c) => c._id > cursor.id).reverse();
    return {
      ids: newer
        .slice(0, limit)
        .reverse()
        .map((c) => c._id),
      hasMore: newer.length > limit,
    };
  }
  const older = cursor ? all.filter((c) => c._id < cursor.id) : all;
  return { ids: older.slice(0, limit).map((c) => c._id), hasMore: older.length > limit };
}

/** The wire shape of a model contact, as the server must send it. */
function wire(contact: ModelContact, workspaceId: string) {
  const { etag: _etag, staleEtags: _stale, ...fields } = contact;
  return {
    ...fields,
    workspace_id: workspaceId,
    metrics: { total_cost: 0, total_tokens: 0, total_requests: 0, error_rate: 0 },
  };
}

// ---- talking to the server ----

function percentEncodeAll(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function queryString(params: [string, string | undefined][]): string {
  const parts = params
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `${name}=${percentEncodeAll(value)}`);
  return parts.length > 0 ? `?${parts.join("&")}` : "";
}

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function call(
  ws: TestWorkspace,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await ws.fetch(path, {
    method,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    headers: { ...headers, ...(body !== undefined && { "content-type": "application/json" }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  // Every exchange conforms to the spec; checked as we go and dropped, to bound memory.
  const problems = server.exchanges.splice(0).flatMap((e: Exchange) => specValidator.problemsOf(e));
  expect(problems, `${method} ${path}`).toEqual([]);
  return {
    status: response.status,
    headers: response.headers,
    body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}

const contactPath = (ref: string) => `/v2/contacts/${encodeURIComponent(ref)}`;

function expectStatus(answer: Answer, status: number, context: string): void {
  expect(
    answer.status,
    `${context} → ${answer.status} ${JSON.stringify(answer.body).slice(0, 500)}`,
  ).toBe(status);
}

function expectContact(answer: Answer, contact: ModelContact, workspaceId: string): void {
  expect(clone(answer.body)).toEqual(clone(wire(contact, workspaceId)));
  expect(answer.headers.get("etag")).toBe(contact.etag);
}

function expectNotFound(answer: Answer, context: string): void {
  expectStatus(answer, 404, context);
  expect(answer.body.code).toBe("not_found");
  expect(typeof answer.body.error).toBe("string");
}

// ---- references the commands resolve against the model at run time ----

type RefKind = "_id" | "external_id" | "other-workspace" | "deleted" | "unknown";
interface RefChoice {
  kind: RefKind;
  pick: number;
}

/**
 * A contact's external_id as a ref, unless URLs cannot carry it: WHATWG URLs (fetch) resolve a
 * `.` or `..` segment, even percent-encoded, so such a contact is addressed by its _id.
 */
const byExternalId = (contact: ModelContact | undefined) =>
  contact &&
  (contact.external_id === "." || contact.external_id === ".." ? contact._id : contact.external_id);

function resolveRef(model: Model, ws: Ws, { kind, pick }: RefChoice): string {
  const own = model.contacts[ws];
  const other = model.contacts[ws === 0 ? 1 : 0];
  const pickFrom = <T>(list: readonly T[]) => list[pick % list.length];
  switch (kind) {
    case "_id":
      return pickFrom(own)?._id ?? `unknown-${pick}`;
    case "external_id":
      return byExternalId(pickFrom(own)) ?? `unknown-${pick}`;
    case "other-workspace": {
      const contact = pickFrom(other);
      return (pick % 2 === 0 ? contact?._id : byExternalId(contact)) ?? `unknown-${pick}`;
    }
    case "deleted":
      return pickFrom(model.deleted) ?? `unknown-${pick}`;
    case "unknown":
      return `unknown-${pick}`;
  }
}

const refChoice: fc.Arbitrary<RefChoice> = fc.record({
  kind: fc.constantFrom<RefKind>(
    "_id",
    "_id",
    "external_id",
    "external_id",
    "other-workspace",
    "deleted",
    "unknown",
  ),
  pick: fc.nat(),
});
const wsChoice: fc.Arbitrary<Ws> = fc.constantFrom<Ws>(0, 1);

type IfMatchKind = "none" | "current" | "stale" | "any";
const ifMatchChoice = fc.constantFrom<IfMatchKind>(
  "none",
  "none",
  "none",
  "current",
  "stale",
  "any",
);

/** The If-Match header for a target; undefined when none is sent. */
function ifMatchHeader(
  kind: IfMatchKind,
  target: ModelContact | undefined,
  pick: number,
): string | undefined {
  switch (kind) {
    case "none":
      return undefined;
    case "any":
      return "*";
    case "current":
      return target?.etag ?? '"nothing"';
    case "stale":
      return (
        target?.staleEtags[pick % Math.max(1, target.staleEtags.length)] ??
        '"00000000000000000000000000.0"'
      );
  }
}

// ---- commands ----

class CreateCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly ws: Ws,
    readonly body: Record<string, unknown>,
    /** Reuse an existing external_id (of either workspace) instead of the body's. */
    readonly reuse: number | undefined,
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const everyone = [...model.contacts[0], ...model.contacts[1]];
    const body = { ...this.body };
    if (this.reuse !== undefined && everyone.length > 0) {
      body.external_id = (everyone[this.reuse % everyone.length] as ModelContact).external_id;
    }
    const context = `create in ws${this.ws} ${JSON.stringify(body).slice(0, 300)}`;
    const answer = await call(real.ws[this.ws], "POST", "/v2/contacts", body);
    const tooLong = overLimitInNfc(body);
    if (tooLong) {
      coverage.add("create → 400 (too long in NFC)");
      expectStatus(answer, 400, context);
      expect(answer.body.details).toContainEqual(expect.objectContaining({ path: tooLong }));
      return;
    }
    const holder = model.contacts[this.ws].find(
      (c) => c.external_id === nfc(String(body.external_id)),
    );
    if (holder) {
      coverage.add("create → 409");
      expectStatus(answer, 409, context);
      expect(answer.body).toMatchObject({ code: "external_id_conflict", existing_id: holder._id });
      return;
    }
    coverage.add("create → 201");
    expectStatus(answer, 201, context);
    const id = String(answer.body._id);
    expect(id).toMatch(CONTACT_ID);
    expect(id > model.lastId, `${id} after ${model.lastId}`).toBe(true);
    const created = String(answer.body.created);
    expect(created).toMatch(TIMESTAMP);
    const contact: ModelContact = {
      _id: id,
      external_id: nfc(String(body.external_id)),
      display_name: nfcOrNull(body.display_name),
      email: nfcOrNull(body.email),
      avatar_url: (body.avatar_url as string | null | undefined) ?? null,
      tags: dedupe((body.tags as string[] | undefined) ?? []),
      metadata: clone((body.metadata as JsonObject | undefined) ?? {}),
      created,
      updated: created,
      etag: answer.headers.get("etag") ?? "",
      staleEtags: [],
    };
    expect(contact.etag).not.toBe("");
    expectContact(answer, contact, real.ws[this.ws].workspaceId);
    expect(answer.headers.get("location")).toBe(`/v2/contacts/${id}`);
    model.contacts[this.ws].push(contact);
    model.lastId = id;
  }
  toString = () =>
    `create(ws${this.ws}, ${JSON.stringify(this.body)}${this.reuse === undefined ? "" : `, reuse ${this.reuse}`})`;
}

interface ListFilter {
  search?: string;
  tags?: string[];
}
interface Cursor {
  direction: "after" | "before";
  id: string;
}
type CursorSource = "own" | "deleted" | "other-workspace" | "oldest" | "newest";
interface CursorChoice {
  direction: "after" | "before";
  source: CursorSource;
  pick: number;
}

function resolveCursor(model: Model, ws: Ws, choice: CursorChoice | undefined): Cursor | undefined {
  if (!choice) return undefined;
  const pickFrom = (list: readonly { _id: string }[]) => list[choice.pick % list.length]?._id;
  const id =
    choice.source === "own"
      ? pickFrom(model.contacts[ws])
      : choice.source === "other-workspace"
        ? pickFrom(model.contacts[ws === 0 ? 1 : 0])
        : choice.source === "deleted"
          ? model.deleted[choice.pick % Math.max(1, model.deleted.length)]
          : choice.source === "oldest"
            ? OLDEST_POSSIBLE_ID
            : NEWEST_POSSIBLE_ID;
  return {
    direction: choice.direction,
    id: id ?? (choice.direction === "after" ? NEWEST_POSSIBLE_ID : OLDEST_POSSIBLE_ID),
  };
}

function filterParams(filter: ListFilter): [string, string | undefined][] {
  return [
    ["search", filter.search],
    ["tags", filter.tags && filter.tags.length > 0 ? filter.tags.join(",") : undefined],
  ];
}

/**
 * A page size: none (the default, 10), a number, or the number of contacts left in the direction
 * of travel plus -1, 0 or 1: where an off-by-one in `has_more` shows.
 */
type LimitChoice = { fixed: number | undefined } | { around: -1 | 0 | 1 };

class ListCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly ws: Ws,
    readonly limitChoice: LimitChoice,
    readonly cursor: CursorChoice | undefined,
    readonly filter: ListFilter,
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const cursor = resolveCursor(model, this.ws, this.cursor);
    const all = newestFirst(model.contacts[this.ws], this.filter);
    let limit: number | undefined;
    if ("fixed" in this.limitChoice) limit = this.limitChoice.fixed;
    else {
      const left = expectedPage(all, Number.MAX_SAFE_INTEGER, cursor).ids.length;
      limit = Math.min(50, Math.max(1, left + this.limitChoice.around));
    }
    const path = `/v2/contacts${queryString([
      ["limit", limit === undefined ? undefined : String(limit)],
      [cursor?.direction === "after" ? "starting_after" : "ending_before", cursor?.id],
      ...filterParams(this.filter),
    ])}`;
    const answer = await call(real.ws[this.ws], "GET", path);
    expectStatus(answer, 200, path);
    const want = expectedPage(all, limit ?? 10, cursor);
    const data = answer.body.data as Record<string, unknown>[];
    expect({ ids: data.map((c) => c._id), hasMore: answer.body.has_more }, path).toEqual(want);
    const byId = new Map(all.map((c) => [c._id, c]));
    for (const item of data) {
      const contact = byId.get(String(item._id)) as ModelContact;
      expect(clone(item)).toEqual(clone(wire(contact, real.ws[this.ws].workspaceId)));
    }
    coverage.add(
      `list → ${want.ids.length === 0 ? "empty" : want.hasMore ? "page, more" : "last page"}${cursor ? ` (${this.cursor?.direction} ${this.cursor?.source})` : ""}`,
    );
  }
  toString = () =>
    `list(ws${this.ws}, limit ${JSON.stringify(this.limitChoice)}, ${JSON.stringify(this.cursor)}, ${JSON.stringify(this.filter)})`;
}

/** Follows the cursor from one end to the other; the pages together are the whole list. */
class WalkCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly ws: Ws,
    readonly limit: number,
    readonly direction: "forward" | "backward",
    readonly filter: ListFilter,
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const all = newestFirst(model.contacts[this.ws], this.filter).map((c) => c._id);
    const pages: string[][] = [];
    let cursor: string | undefined = this.direction === "backward" ? OLDEST_POSSIBLE_ID : undefined;
    for (let guard = 0; guard <= all.length + 1; guard++) {
      const path = `/v2/contacts${queryString([
        ["limit", String(this.limit)],
        [this.direction === "forward" ? "starting_after" : "ending_before", cursor],
        ...filterParams(this.filter),
      ])}`;
      const answer = await call(real.ws[this.ws], "GET", path);
      expectStatus(answer, 200, path);
      const ids = (answer.body.data as { _id: string }[]).map((c) => c._id);
      pages.push(ids);
      if (answer.body.has_more !== true) break;
      expect(ids.length, `a page with has_more is full: ${path}`).toBe(this.limit);
      cursor = this.direction === "forward" ? ids.at(-1) : ids[0];
    }
    const walked = this.direction === "forward" ? pages.flat() : pages.reverse().flat();
    expect(walked, `walk ${this.direction} by ${this.limit}`).toEqual(all);
    // has_more is false exactly on the page holding the last contact (or on the only, empty one).
    expect(pages.length, `pages of ${this.limit} for ${all.length}`).toBe(
      Math.max(1, Math.ceil(all.length / this.limit)),
    );
    coverage.add(`walk ${this.direction} → ${pages.length} page(s)`);
  }
  toString = () =>
    `walk(ws${this.ws}, ${this.direction} by ${this.limit}, ${JSON.stringify(this.filter)})`;
}

class RetrieveCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly ws: Ws,
    readonly ref: RefChoice,
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const ref = resolveRef(model, this.ws, this.ref);
    const target = lookup(model.contacts[this.ws], ref);
    const answer = await call(real.ws[this.ws], "GET", contactPath(ref));
    const context = `retrieve ${JSON.stringify(ref)} in ws${this.ws}`;
    coverage.add(`retrieve by ${this.ref.kind} → ${target ? 200 : 404}`);
    if (!target) return expectNotFound(answer, context);
    expectStatus(answer, 200, context);
    expectContact(answer, target, real.ws[this.ws].workspaceId);
  }
  toString = () => `retrieve(ws${this.ws}, ${JSON.stringify(this.ref)})`;
}

class UpdateCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly ws: Ws,
    readonly ref: RefChoice,
    readonly patch: Record<string, unknown> | undefined,
    readonly ifMatch: IfMatchKind,
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const ref = resolveRef(model, this.ws, this.ref);
    const target = lookup(model.contacts[this.ws], ref);
    const ifMatch = ifMatchHeader(this.ifMatch, target, this.ref.pick);
    const answer = await call(
      real.ws[this.ws],
      "PATCH",
      contactPath(ref),
      this.patch,
      ifMatch === undefined ? {} : { "if-match": ifMatch },
    );
    const context = `update ${JSON.stringify(ref)} in ws${this.ws} (If-Match ${ifMatch}) with ${JSON.stringify(this.patch)}`;
    if (!target) {
      coverage.add("update → 404");
      return expectNotFound(answer, context);
    }
    if (this.ifMatch === "stale") {
      coverage.add("update → 412");
      expectStatus(answer, 412, context);
      expect(answer.body.code).toBe("precondition_failed");
      return;
    }
    const patch = this.patch ?? {};
    const next: ModelContact = { ...target };
    for (const field of ["display_name", "email"] as const) {
      if (patch[field] !== undefined) next[field] = nfcOrNull(patch[field]);
    }
    if (patch.avatar_url !== undefined) next.avatar_url = patch.avatar_url as string | null;
    if (patch.tags !== undefined) next.tags = dedupe((patch.tags as string[] | null) ?? []);
    if (patch.metadata !== undefined) {
      next.metadata =
        patch.metadata === null
          ? {}
          : (mergePatch(target.metadata, clone(patch.metadata as Json)) as JsonObject);
    }
    const tooLong = overLimitInNfc({ ...patch, external_id: undefined });
    if (tooLong) {
      coverage.add("update → 400 (too long in NFC)");
      expectStatus(answer, 400, context);
      expect(answer.body.details).toContainEqual(expect.objectContaining({ path: tooLong }));
      return;
    }
    const keys = Object.keys(next.metadata).length;
    const bytes = Buffer.byteLength(JSON.stringify(next.metadata));
    if (
      isObject(patch.metadata as Json) &&
      (keys > MAX_METADATA_KEYS || bytes > MAX_METADATA_BYTES)
    ) {
      coverage.add("update → 400 (merged metadata over its limits)");
      expectStatus(answer, 400, context);
      expect(answer.body.details).toContainEqual(
        expect.objectContaining({ path: "/body/metadata" }),
      );
      return;
    }
    expectStatus(answer, 200, context);
    const changed =
      canonical({ ...next, etag: "", staleEtags: [] }) !==
      canonical({ ...target, etag: "", staleEtags: [] });
    coverage.add(
      `update → 200 (${changed ? "changed" : "no change"}${ifMatch ? ", If-Match" : ""})`,
    );
    if (changed) {
      next.updated = String(answer.body.updated);
      expect(Date.parse(next.updated), "updated moves on a change").toBeGreaterThan(
        Date.parse(target.updated),
      );
      next.etag = answer.headers.get("etag") ?? "";
      expect(next.etag, "the ETag changes with the contact").not.toBe(target.etag);
      next.staleEtags = [...target.staleEtags, target.etag];
    }
    expectContact(answer, next, real.ws[this.ws].workspaceId);
    const list = model.contacts[this.ws];
    list[list.indexOf(target)] = next;
  }
  toString = () =>
    `update(ws${this.ws}, ${JSON.stringify(this.ref)}, ${JSON.stringify(this.patch)}, If-Match ${this.ifMatch})`;
}

class DeleteCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly ws: Ws,
    readonly ref: RefChoice,
    readonly ifMatch: IfMatchKind,
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const ref = resolveRef(model, this.ws, this.ref);
    const target = lookup(model.contacts[this.ws], ref);
    const ifMatch = ifMatchHeader(this.ifMatch, target, this.ref.pick);
    const answer = await call(
      real.ws[this.ws],
      "DELETE",
      contactPath(ref),
      undefined,
      ifMatch === undefined ? {} : { "if-match": ifMatch },
    );
    const context = `delete ${JSON.stringify(ref)} in ws${this.ws} (If-Match ${ifMatch})`;
    if (!target) {
      coverage.add("delete → 404");
      return expectNotFound(answer, context);
    }
    if (this.ifMatch === "stale") {
      coverage.add("delete → 412");
      expectStatus(answer, 412, context);
      expect(answer.body.code).toBe("precondition_failed");
      return;
    }
    coverage.add("delete → 204");
    expectStatus(answer, 204, context);
    model.contacts[this.ws] = model.contacts[this.ws].filter((c) => c !== target);
    model.deleted.push(target._id);
  }
  toString = () => `delete(ws${this.ws}, ${JSON.stringify(this.ref)}, If-Match ${this.ifMatch})`;
}

/** Reads both workspaces whole and compares them with the model. */
class CheckAllCommand implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    for (const ws of [0, 1] as const) {
      const seen: Record<string, unknown>[] = [];
      let cursor: string | undefined;
      for (;;) {
        const answer = await call(
          real.ws[ws],
          "GET",
          `/v2/contacts${queryString([
            ["limit", "50"],
            ["starting_after", cursor],
          ])}`,
        );
        expectStatus(answer, 200, "list all");
        const data = answer.body.data as Record<string, unknown>[];
        seen.push(...data);
        if (answer.body.has_more !== true) break;
        cursor = String(data.at(-1)?._id);
      }
      const want = newestFirst(model.contacts[ws], {}).map((c) => wire(c, real.ws[ws].workspaceId));
      expect(clone(seen)).toEqual(clone(want));
    }
    coverage.add("check all");
  }
  toString = () => "checkAll()";
}

// ---- generators ----

const bridge = specArbitraries();
const createBodies = bridge.valid({
  $ref: "#/components/schemas/CreateContactRequest",
}) as fc.Arbitrary<Record<string, unknown>>;
const patches = bridge.valid({ $ref: "#/components/schemas/UpdateContactRequest" }) as fc.Arbitrary<
  Record<string, unknown>
>;
const tagSubsets = fc.subarray(TAGS, { maxLength: 3 });
/** Sometimes (a third of the time each) a search term and a tag filter that often match. */
const rarely = <T>(arbitrary: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
const filters: fc.Arbitrary<ListFilter> = fc
  .tuple(
    rarely(
      fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...SEARCHES) },
        { weight: 1, arbitrary: bridge.valid(listParameter("search")) as fc.Arbitrary<string> },
      ),
    ),
    rarely(fc.subarray(TAGS, { minLength: 1, maxLength: 2 })),
  )
  .map(([search, tags]) => ({
    ...(search !== undefined && { search }),
    ...(tags !== undefined && { tags }),
  }));
/** Small metadata patches over a few keys, so merges and removals meet existing keys. */
const metadataPatches = fc.dictionary(
  fc.constantFrom(...METADATA_KEYS),
  fc.oneof(
    fc.constant(null),
    fc.integer(),
    fc.string({ maxLength: 5 }),
    fc.dictionary(fc.constantFrom("a", "b"), fc.oneof(fc.constant(null), fc.integer())),
  ),
  { maxKeys: 4 },
);

function listParameter(name: string) {
  const listOperation = specValidator.spec.paths["/v2/contacts"]?.get as {
    parameters: { name: string; schema: Record<string, unknown> }[];
  };
  const parameters = listOperation.parameters;
  const parameter = parameters.find((p) => p.name === name);
  if (!parameter) throw new Error(`listContacts has no parameter ${name}`);
  return parameter.schema;
}

/** Creating is weighted up, so that the other commands find contacts to work on. */
const creates = fc
  .record({
    ws: wsChoice,
    body: createBodies,
    externalId: rarely(fc.constantFrom(...EXTERNAL_IDS)),
    tags: fc.option(tagSubsets, { nil: undefined }),
    name: fc.option(fc.constantFrom(...NAMES), { nil: undefined }),
    email: fc.option(fc.constantFrom(...EMAILS), { nil: undefined }),
    reuse: fc.oneof(
      { weight: 4, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.nat() },
    ),
  })
  .map(({ ws, body, externalId, tags, name, email, reuse }) => {
    const pooled = {
      ...body,
      ...(externalId !== undefined && { external_id: externalId }),
      ...(tags !== undefined && { tags }),
      ...(name !== undefined && { display_name: name }),
      ...(email !== undefined && { email }),
    };
    return new CreateCommand(ws, pooled, reuse);
  });

const commands = fc.commands(
  [
    creates,
    creates,
    creates,
    fc
      .tuple(
        wsChoice,
        fc.oneof(
          fc.record({ fixed: fc.constant(undefined) }),
          fc.record({
            fixed: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 50 })),
          }),
          fc.record({ around: fc.constantFrom<-1 | 0 | 1>(-1, 0, 1) }),
        ) as fc.Arbitrary<LimitChoice>,
        fc.option(
          fc.record({
            direction: fc.constantFrom<"after" | "before">("after", "before"),
            source: fc.constantFrom<CursorSource>(
              "own",
              "own",
              "deleted",
              "other-workspace",
              "oldest",
              "newest",
            ),
            pick: fc.nat(),
          }),
          { nil: undefined },
        ),
        filters,
      )
      .map(([ws, limit, cursor, filter]) => new ListCommand(ws, limit, cursor, filter)),
    fc
      .tuple(
        wsChoice,
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom<"forward" | "backward">("forward", "backward"),
        filters,
      )
      .map(([ws, limit, direction, filter]) => new WalkCommand(ws, limit, direction, filter)),
    fc.tuple(wsChoice, refChoice).map(([ws, ref]) => new RetrieveCommand(ws, ref)),
    fc
      .tuple(
        wsChoice,
        refChoice,
        fc.oneof(
          patches,
          fc.record({ metadata: metadataPatches }),
          fc.record({ tags: fc.oneof(tagSubsets, fc.constant(null)) }),
          fc.constant(undefined),
        ),
        ifMatchChoice,
      )
      .map(([ws, ref, patch, ifMatch]) => new UpdateCommand(ws, ref, patch, ifMatch)),
    fc
      .tuple(wsChoice, refChoice, ifMatchChoice)
      .map(([ws, ref, ifMatch]) => new DeleteCommand(ws, ref, ifMatch)),
    fc.constant(new CheckAllCommand()),
  ],
  { maxCommands: DEEP ? 100 : 40, size: "max" },
);

it(
  "keeps two workspaces exactly as the model says, step after step",
  async () => {
    await fc.assert(
      fc.asyncProperty(commands, async (steps) => {
        const real: Real = { ws: [await server.workspace(), await server.workspace()] };
        const model: Model = { contacts: [[], []], deleted: [], lastId: OLDEST_POSSIBLE_ID };
        await fc.asyncModelRun(() => ({ model, real }), steps);
        // And the end state, in full.
        await new CheckAllCommand().run(model, real);
      }),
      fcParameters(numRuns(25, 600)),
    );
    const health = await server.fetch("/healthz");
    expect(health.status).toBe(200);
  },
  TEST_TIMEOUT_MS,
);
