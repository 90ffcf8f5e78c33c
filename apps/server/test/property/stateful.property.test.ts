/**
 * Model-based test (fast-check commands): random sequences of create / list (cursors both ways,
 * tags, search, sort_by) / walk (every page) / retrieve (by _id or external_id) / update (merge
 * patch, If-Match) / delete (If-Match) over TWO workspaces and BOTH surfaces (/v2/contacts and
 * /v2/identities, mixed call by call over the same records), each step checked against an
 * in-memory model of what the server must hold: statuses (201, 200, 204 or 200 {}, 404, 409
 * naming the holder, 412, 400 for merged metadata over its limits or a sorted cursor that names
 * no identity), every field in each surface's shape (text in NFC; 400 for text NFC makes too long), the order of each sort, has_more, `updated`
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
/** Which API surface a call goes through; both reach the same records. */
type Surface = "contacts" | "identities";
const surfaceChoice = fc.constantFrom<Surface>("contacts", "identities");
const collection = (surface: Surface) => `/v2/${surface}`;
/** The record a single-record answer holds: identities wrap it in `{ identity }`. */
const recordOf = (surface: Surface, body: Record<string, unknown>) =>
  (surface === "identities" ? body.identity : body) as Record<string, unknown>;

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

function matches(contact: ModelContact, filter: ListFilter, surface: Surface): boolean {
  const term = filter.search === undefined ? undefined : nfc(filter.search).toLowerCase();
  const found =
    term === undefined ||
    [contact.external_id, contact.display_name ?? "", contact.email ?? ""].some((field) =>
      field.toLowerCase().includes(term),
    );
  const tags = (filter.tags ?? []).map(nfc);
  // Contacts' `tags` wants all of them; identities' `filter_by.tags` any of them.
  const tagged =
    surface === "contacts"
      ? tags.every((tag) => contact.tags.includes(tag))
      : tags.length === 0 || tags.some((tag) => contact.tags.includes(tag));
  return found && tagged;
}

type Order = "newest" | "display_name" | "updated";
const SORT_BY: Record<Order, string> = {
  newest: "IDENTITY_SORT_FIELD_UNSPECIFIED",
  display_name: "IDENTITY_SORT_FIELD_DISPLAY_NAME",
  updated: "IDENTITY_SORT_FIELD_UPDATED",
};
type SortKey = Pick<ModelContact, "_id" | "display_name" | "updated">;
const byId = (a: SortKey, b: SortKey) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0);
/** Code point order, as SQLite compares text (UTF-8 bytes); JS `<` compares UTF-16 units. */
const byCodePoints = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Negative when `a` comes first in the list's order (spec: listIdentities). */
function compare(order: Order, a: SortKey, b: SortKey): number {
  switch (order) {
    case "newest":
      return -byId(a, b);
    case "display_name":
      if (a.display_name === b.display_name) return byId(a, b);
      if (a.display_name === null) return -1;
      if (b.display_name === null) return 1;
      return byCodePoints(a.display_name, b.display_name) || byId(a, b);
    case "updated":
      return a.updated === b.updated ? -byId(a, b) : a.updated < b.updated ? 1 : -1;
  }
}

/** The model's list in the given order (newest first by default). */
function newestFirst(
  contacts: readonly ModelContact[],
  filter: ListFilter,
  surface: Surface = "contacts",
): ModelContact[] {
  const order = filter.order ?? "newest";
  return contacts.filter((c) => matches(c, filter, surface)).sort((a, b) => compare(order, a, b));
}

interface Page {
  ids: string[];
  hasMore: boolean;
}

/**
 * The page the server must return (Stripe semantics; see openapi.yaml listContacts and
 * listIdentities): `all` is in the list's order, the cursor a position in that order.
 */
function expectedPage(
  all: ModelContact[],
  limit: number,
  cursor: Cursor | undefined,
  order: Order = "newest",
): Page {
  if (cursor?.direction === "before") {
    const before = all.filter((c) => compare(order, c, cursor.key) < 0).reverse();
    return {
      ids: before
        .slice(0, limit)
        .reverse()
        .map((c) => c._id),
      hasMore: before.length > limit,
    };
  }
  const after = cursor ? all.filter((c) => compare(order, c, cursor.key) > 0) : all;
  return { ids: after.slice(0, limit).map((c) => c._id), hasMore: after.length > limit };
}

const NO_USAGE = { total_cost: 0, total_tokens: 0, total_requests: 0, error_rate: 0 };

/**
 * The wire shape of a model contact, as the server must send it: a contact has every field (null
 * when absent) and metrics; an identity leaves absent fields out and has metrics only on request.
 */
function wire(
  contact: ModelContact,
  workspaceId: string,
  surface: Surface = "contacts",
  withMetrics = false,
) {
  const { etag: _etag, staleEtags: _stale, ...fields } = contact;
  if (surface === "contacts") return { ...fields, workspace_id: workspaceId, metrics: NO_USAGE };
  const present = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== null));
  return {
    ...present,
    workspace_id: workspaceId,
    ...(withMetrics && { metrics: NO_USAGE }),
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

const contactPath = (ref: string, surface: Surface = "contacts") =>
  `${collection(surface)}/${encodeURIComponent(ref)}`;

function expectStatus(answer: Answer, status: number, context: string): void {
  expect(
    answer.status,
    `${context} → ${answer.status} ${JSON.stringify(answer.body).slice(0, 500)}`,
  ).toBe(status);
}

function expectContact(
  answer: Answer,
  contact: ModelContact,
  workspaceId: string,
  surface: Surface = "contacts",
  withMetrics = false,
): void {
  if (surface === "identities") expect(Object.keys(answer.body)).toEqual(["identity"]);
  expect(clone(recordOf(surface, answer.body))).toEqual(
    clone(wire(contact, workspaceId, surface, withMetrics)),
  );
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
    readonly surface: Surface,
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
    const context = `create ${this.surface} in ws${this.ws} ${JSON.stringify(body).slice(0, 300)}`;
    const answer = await call(real.ws[this.ws], "POST", collection(this.surface), body);
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
    coverage.add(`create ${this.surface} → 201`);
    expectStatus(answer, 201, context);
    const record = recordOf(this.surface, answer.body);
    const id = String(record._id);
    expect(id).toMatch(CONTACT_ID);
    expect(id > model.lastId, `${id} after ${model.lastId}`).toBe(true);
    const created = String(record.created);
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
    expectContact(answer, contact, real.ws[this.ws].workspaceId, this.surface);
    expect(answer.headers.get("location")).toBe(`${collection(this.surface)}/${id}`);
    model.contacts[this.ws].push(contact);
    model.lastId = id;
  }
  toString = () =>
    `create(${this.surface}, ws${this.ws}, ${JSON.stringify(this.body)}${this.reuse === undefined ? "" : `, reuse ${this.reuse}`})`;
}

interface ListFilter {
  search?: string;
  /** All of them on contacts (`tags`), any of them on identities (`filter_by.tags`). */
  tags?: string[];
  /** Identities only (`sort_by`); newest first when absent. */
  order?: Order;
}
interface Cursor {
  direction: "after" | "before";
  id: string;
  /** The position: the cursor's own sort key (only its `_id` for the newest-first order). */
  key: SortKey;
}
type CursorSource = "own" | "deleted" | "other-workspace" | "oldest" | "newest";
interface CursorChoice {
  direction: "after" | "before";
  source: CursorSource;
  pick: number;
}

function resolveCursor(model: Model, ws: Ws, choice: CursorChoice | undefined): Cursor | undefined {
  if (!choice) return undefined;
  if (choice.source === "own") {
    const contact = model.contacts[ws][choice.pick % Math.max(1, model.contacts[ws].length)];
    if (contact) return { direction: choice.direction, id: contact._id, key: contact };
  }
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
  const position = id ?? (choice.direction === "after" ? NEWEST_POSSIBLE_ID : OLDEST_POSSIBLE_ID);
  return {
    direction: choice.direction,
    id: position,
    key: { _id: position, display_name: null, updated: "" },
  };
}

function filterParams(filter: ListFilter, surface: Surface): [string, string | undefined][] {
  const tags = filter.tags && filter.tags.length > 0 ? filter.tags : undefined;
  if (surface === "contacts")
    return [
      ["search", filter.search],
      ["tags", tags?.join(",")],
    ];
  return [
    ["search", filter.search],
    ...(tags ?? []).map((tag): [string, string] => ["filter_by.tags", tag]),
    ["sort_by", filter.order === undefined ? undefined : SORT_BY[filter.order]],
  ];
}

/** Under a sorted order a cursor must name an identity of the workspace, or the list is a 400. */
function cursorRefused(model: Model, ws: Ws, filter: ListFilter, cursor: Cursor | undefined) {
  return (
    cursor !== undefined &&
    (filter.order ?? "newest") !== "newest" &&
    !model.contacts[ws].some((c) => c._id === cursor.id)
  );
}

/**
 * A page size: none (the default, 10), a number, or the number of contacts left in the direction
 * of travel plus -1, 0 or 1: where an off-by-one in `has_more` shows.
 */
type LimitChoice = { fixed: number | undefined } | { around: -1 | 0 | 1 };

class ListCommand implements fc.AsyncCommand<Model, Real> {
  readonly filter: ListFilter;
  constructor(
    readonly surface: Surface,
    readonly ws: Ws,
    readonly limitChoice: LimitChoice,
    readonly cursor: CursorChoice | undefined,
    filter: ListFilter,
    readonly withMetrics: boolean,
  ) {
    // Only identities have orders other than newest first.
    const { order, ...rest } = filter;
    this.filter = surface === "identities" && order !== undefined ? { ...rest, order } : rest;
  }
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const cursor = resolveCursor(model, this.ws, this.cursor);
    const order = this.filter.order ?? "newest";
    const all = newestFirst(model.contacts[this.ws], this.filter, this.surface);
    let limit: number | undefined;
    if ("fixed" in this.limitChoice) limit = this.limitChoice.fixed;
    else {
      const left = expectedPage(all, Number.MAX_SAFE_INTEGER, cursor, order).ids.length;
      limit = Math.min(50, Math.max(1, left + this.limitChoice.around));
    }
    const cursorName = cursor?.direction === "after" ? "starting_after" : "ending_before";
    const path = `${collection(this.surface)}${queryString([
      ["limit", limit === undefined ? undefined : String(limit)],
      [cursorName, cursor?.id],
      ...filterParams(this.filter, this.surface),
      ["include_metrics", this.surface === "identities" ? String(this.withMetrics) : undefined],
    ])}`;
    const answer = await call(real.ws[this.ws], "GET", path);
    if (cursorRefused(model, this.ws, this.filter, cursor)) {
      coverage.add(`list ${this.surface} sorted → 400 (cursor ${this.cursor?.source})`);
      expectStatus(answer, 400, path);
      expect(answer.body.details).toEqual([
        expect.objectContaining({ path: `/query/${cursorName}` }),
      ]);
      return;
    }
    expectStatus(answer, 200, path);
    const want = expectedPage(all, limit ?? 10, cursor, order);
    const data = answer.body.data as Record<string, unknown>[];
    expect({ ids: data.map((c) => c._id), hasMore: answer.body.has_more }, path).toEqual(want);
    const byId = new Map(all.map((c) => [c._id, c]));
    for (const item of data) {
      const contact = byId.get(String(item._id)) as ModelContact;
      expect(clone(item)).toEqual(
        clone(wire(contact, real.ws[this.ws].workspaceId, this.surface, this.withMetrics)),
      );
    }
    coverage.add(
      `list ${this.surface} ${order} → ${want.ids.length === 0 ? "empty" : want.hasMore ? "page, more" : "last page"}${cursor ? ` (${this.cursor?.direction} ${this.cursor?.source})` : ""}`,
    );
  }
  toString = () =>
    `list(${this.surface}, ws${this.ws}, limit ${JSON.stringify(this.limitChoice)}, ${JSON.stringify(this.cursor)}, ${JSON.stringify(this.filter)}, metrics ${this.withMetrics})`;
}

/** Follows the cursor from one end to the other; the pages together are the whole list. */
class WalkCommand implements fc.AsyncCommand<Model, Real> {
  readonly filter: ListFilter;
  constructor(
    readonly surface: Surface,
    readonly ws: Ws,
    readonly limit: number,
    readonly direction: "forward" | "backward",
    filter: ListFilter,
  ) {
    const { order, ...rest } = filter;
    this.filter = surface === "identities" && order !== undefined ? { ...rest, order } : rest;
  }
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const all = newestFirst(model.contacts[this.ws], this.filter, this.surface).map((c) => c._id);
    const sorted = (this.filter.order ?? "newest") !== "newest";
    if (sorted && this.direction === "backward") return this.walkBackFromLast(real, all);
    const pages: string[][] = [];
    let cursor: string | undefined = this.direction === "backward" ? OLDEST_POSSIBLE_ID : undefined;
    for (let guard = 0; guard <= all.length + 1; guard++) {
      const path = `${collection(this.surface)}${queryString([
        ["limit", String(this.limit)],
        [this.direction === "forward" ? "starting_after" : "ending_before", cursor],
        ...filterParams(this.filter, this.surface),
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
    coverage.add(
      `walk ${this.surface} ${this.filter.order ?? "newest"} ${this.direction} → ${pages.length} page(s)`,
    );
  }

  /**
   * Under a sorted order no position lies past the last identity, so a backward walk starts at
   * the last one (a cursor must name an identity) and must find all the others before it.
   */
  private async walkBackFromLast(real: Real, all: string[]): Promise<void> {
    const last = all.at(-1);
    const pages: string[][] = [];
    for (let cursor = last, guard = 0; cursor !== undefined && guard <= all.length; guard++) {
      const path = `${collection(this.surface)}${queryString([
        ["limit", String(this.limit)],
        ["ending_before", cursor],
        ...filterParams(this.filter, this.surface),
      ])}`;
      const answer = await call(real.ws[this.ws], "GET", path);
      expectStatus(answer, 200, path);
      const ids = (answer.body.data as { _id: string }[]).map((c) => c._id);
      pages.unshift(ids);
      if (answer.body.has_more !== true) break;
      expect(ids.length, `a page with has_more is full: ${path}`).toBe(this.limit);
      cursor = ids[0];
    }
    expect([...pages.flat(), ...(last === undefined ? [] : [last])]).toEqual(all);
    coverage.add(`walk ${this.surface} ${this.filter.order} backward from the last`);
  }

  toString = () =>
    `walk(${this.surface}, ws${this.ws}, ${this.direction} by ${this.limit}, ${JSON.stringify(this.filter)})`;
}

class RetrieveCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly surface: Surface,
    readonly ws: Ws,
    readonly ref: RefChoice,
    readonly withMetrics: boolean,
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const ref = resolveRef(model, this.ws, this.ref);
    const target = lookup(model.contacts[this.ws], ref);
    const metrics = this.surface === "identities" && this.withMetrics;
    const path = `${contactPath(ref, this.surface)}${metrics ? "?include_metrics=true" : ""}`;
    const answer = await call(real.ws[this.ws], "GET", path);
    const context = `retrieve ${JSON.stringify(ref)} from ${this.surface} in ws${this.ws}`;
    coverage.add(`retrieve ${this.surface} by ${this.ref.kind} → ${target ? 200 : 404}`);
    if (!target) return expectNotFound(answer, context);
    expectStatus(answer, 200, context);
    expectContact(answer, target, real.ws[this.ws].workspaceId, this.surface, metrics);
  }
  toString = () =>
    `retrieve(${this.surface}, ws${this.ws}, ${JSON.stringify(this.ref)}, metrics ${this.withMetrics})`;
}

class UpdateCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly surface: Surface,
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
      contactPath(ref, this.surface),
      this.patch,
      ifMatch === undefined ? {} : { "if-match": ifMatch },
    );
    const context = `update ${JSON.stringify(ref)} on ${this.surface} in ws${this.ws} (If-Match ${ifMatch}) with ${JSON.stringify(this.patch)}`;
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
      next.updated = String(recordOf(this.surface, answer.body).updated);
      expect(Date.parse(next.updated), "updated moves on a change").toBeGreaterThan(
        Date.parse(target.updated),
      );
      next.etag = answer.headers.get("etag") ?? "";
      expect(next.etag, "the ETag changes with the contact").not.toBe(target.etag);
      next.staleEtags = [...target.staleEtags, target.etag];
    }
    expectContact(answer, next, real.ws[this.ws].workspaceId, this.surface);
    const list = model.contacts[this.ws];
    list[list.indexOf(target)] = next;
  }
  toString = () =>
    `update(${this.surface}, ws${this.ws}, ${JSON.stringify(this.ref)}, ${JSON.stringify(this.patch)}, If-Match ${this.ifMatch})`;
}

class DeleteCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly surface: Surface,
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
      contactPath(ref, this.surface),
      undefined,
      ifMatch === undefined ? {} : { "if-match": ifMatch },
    );
    const context = `delete ${JSON.stringify(ref)} on ${this.surface} in ws${this.ws} (If-Match ${ifMatch})`;
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
    // Contacts answer 204 without a body; identities 200 {}, as orq.ai does.
    coverage.add(`delete ${this.surface} → ${this.surface === "contacts" ? 204 : 200}`);
    expectStatus(answer, this.surface === "contacts" ? 204 : 200, context);
    expect(answer.body).toEqual({});
    model.contacts[this.ws] = model.contacts[this.ws].filter((c) => c !== target);
    model.deleted.push(target._id);
  }
  toString = () =>
    `delete(${this.surface}, ws${this.ws}, ${JSON.stringify(this.ref)}, If-Match ${this.ifMatch})`;
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
const orders = fc.option(fc.constantFrom<Order>("newest", "display_name", "updated"), {
  nil: undefined,
});
const filters: fc.Arbitrary<ListFilter> = fc
  .tuple(
    orders,
    rarely(
      fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...SEARCHES) },
        { weight: 1, arbitrary: bridge.valid(listParameter("search")) as fc.Arbitrary<string> },
      ),
    ),
    rarely(fc.subarray(TAGS, { minLength: 1, maxLength: 2 })),
  )
  .map(([order, search, tags]) => ({
    ...(search !== undefined && { search }),
    ...(tags !== undefined && { tags }),
    ...(order !== undefined && { order }),
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
    surface: surfaceChoice,
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
  .map(({ surface, ws, body, externalId, tags, name, email, reuse }) => {
    const pooled = {
      ...body,
      ...(externalId !== undefined && { external_id: externalId }),
      ...(tags !== undefined && { tags }),
      ...(name !== undefined && { display_name: name }),
      ...(email !== undefined && { email }),
    };
    return new CreateCommand(surface, ws, pooled, reuse);
  });

const commands = fc.commands(
  [
    creates,
    creates,
    creates,
    fc
      .tuple(
        surfaceChoice,
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
        fc.boolean(),
      )
      .map(
        ([surface, ws, limit, cursor, filter, metrics]) =>
          new ListCommand(surface, ws, limit, cursor, filter, metrics),
      ),
    fc
      .tuple(
        surfaceChoice,
        wsChoice,
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom<"forward" | "backward">("forward", "backward"),
        filters,
      )
      .map(
        ([surface, ws, limit, direction, filter]) =>
          new WalkCommand(surface, ws, limit, direction, filter),
      ),
    fc
      .tuple(surfaceChoice, wsChoice, refChoice, fc.boolean())
      .map(([surface, ws, ref, metrics]) => new RetrieveCommand(surface, ws, ref, metrics)),
    fc
      .tuple(
        surfaceChoice,
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
      .map(
        ([surface, ws, ref, patch, ifMatch]) => new UpdateCommand(surface, ws, ref, patch, ifMatch),
      ),
    fc
      .tuple(surfaceChoice, wsChoice, refChoice, ifMatchChoice)
      .map(([surface, ws, ref, ifMatch]) => new DeleteCommand(surface, ws, ref, ifMatch)),
    fc.constant(new CheckAllCommand()),
  ],
  { maxCommands: DEEP ? 100 : 40, size: "max" },
);

it(
  "keeps two workspaces exactly as the model says, step after step, through both surfaces",
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
