// The baseline of `npm run bench`: the same API over the same SQLite schema and pragmas, with
// the same rules, auth, rate limit, request ids, headers, error shape and JSON out (Prometheus
// metrics and the request log are the server's own extra work), built from nothing but node:http
// and better-sqlite3. It is what the server would cost with no framework: the bench reports the
// server's throughput as a ratio of this one. It reuses only the server's schema (openDatabase:
// migrations, WAL, synchronous=FULL) and id generator, and runs the store's SQL statements
// verbatim, so the ratio measures the HTTP stack and not the queries.
// On PostgreSQL (DATABASE_URL=postgres://…) it does the same work with pg on the PostgreSQL
// store's schema and statements (baseline-db.ts).
// Run by the bench as a child: PORT, HOST, DATABASE_URL (a path or a postgres:// URL),
// PG_POOL_SIZE, BENCH_SERVER_DIR (the server code the bench runs, whose schema and id modules
// this reuses).
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { loadServerModules, SERVER_ROOT } from "../server-modules.js";
import {
  type BaselineDb,
  type ContactRow,
  postgresBaselineDb,
  sqliteBaselineDb,
} from "./baseline-db.js";
import {
  type ListQuery,
  metadataProblems,
  type Problem,
  validateCreate,
  validateIdentityListQuery,
  validateListQuery,
  validateRef,
  validateUpdate,
} from "./validate.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** An error response decided: status, code, message, extras. */
class Failure {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly message: string,
    readonly extras: {
      details?: Problem[];
      existingId?: string;
      headers?: Record<string, string>;
    } = {},
  ) {}
}

const BODY_LIMIT = 128 * 1024;
/** The server's security headers, on every response. */
const SECURITY_HEADERS = {
  "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Cache-Control": "no-store",
};
const ACCEPTED_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const BEARER = /^Bearer +(\S+) *$/i;
const API_KEY = /^ck_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const NO_USAGE = { total_cost: 0, total_tokens: 0, total_requests: 0, error_rate: 0 };
const COLUMNS =
  "id, workspace_id, external_id, display_name, email, avatar_url, tags, metadata, created_at, updated_at, version";

const modules = await loadServerModules(process.env.BENCH_SERVER_DIR ?? join(SERVER_ROOT, "dist"));
const ids = modules.ids.createIdGenerator();
const databaseUrl = process.env.DATABASE_URL ?? ":memory:";
const db: BaselineDb = /^postgres(ql)?:\/\//i.test(databaseUrl)
  ? postgresBaselineDb(databaseUrl, Number(process.env.PG_POOL_SIZE || 10))
  : sqliteBaselineDb(modules, databaseUrl);

/** The server's per-key token bucket, same settings (the bench sets them too high to refuse). */
const RATE = Number(process.env.RATE_LIMIT_RPS || 100);
const BURST = Number(process.env.RATE_LIMIT_BURST || 200);
const RATE_WINDOW = Math.max(1, Math.ceil(BURST / RATE));
const RATE_POLICY = `"per-key";q=${Math.round(RATE * RATE_WINDOW)};w=${RATE_WINDOW}`;
const buckets = new Map<string, { tokens: number; refilledAt: number }>();

/** Takes a token for `keyId`; returns the RateLimit headers, or throws a 429. */
function rateLimit(keyId: string): Record<string, string> {
  if (RATE <= 0) return {};
  const at = Date.now();
  let bucket = buckets.get(keyId);
  if (!bucket) {
    bucket = { tokens: BURST, refilledAt: at };
    buckets.set(keyId, bucket);
  }
  bucket.tokens = Math.min(BURST, bucket.tokens + ((at - bucket.refilledAt) / 1000) * RATE);
  bucket.refilledAt = at;
  const allowed = bucket.tokens >= 1;
  if (allowed) bucket.tokens -= 1;
  const headers = {
    "RateLimit-Policy": RATE_POLICY,
    RateLimit: `"per-key";r=${Math.floor(bucket.tokens)};t=${Math.ceil((BURST - bucket.tokens) / RATE)}`,
  };
  if (allowed) return headers;
  const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / RATE));
  throw new Failure(429, "rate_limited", `Rate limit exceeded; retry in ${retryAfter} s`, {
    headers: { ...headers, "Retry-After": String(retryAfter) },
  });
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    process.stderr.write(`baseline: unexpected error: ${String(error)}\n`);
    if (!res.headersSent)
      send(
        res,
        "",
        500,
        errorBody("", new Failure(500, "internal_error", "Internal server error")),
      );
  });
});

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const given = req.headers["request-id"];
  const requestId =
    typeof given === "string" && ACCEPTED_REQUEST_ID.test(given)
      ? given
      : ids.requestId(Date.now());
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const path = q === -1 ? url : url.slice(0, q);
  if (path === "/healthz" && req.method === "GET")
    return send(res, requestId, 200, { status: "ok" });
  // As the server: auth and the rate limit before any body is read.
  let limitHeaders: Record<string, string> = {};
  try {
    const principal = await authenticate(req.headers.authorization);
    limitHeaders = rateLimit(principal.keyId);
    const body = await readJson(req);
    const query = q === -1 ? "" : url.slice(q + 1);
    const result = await route(req, path, query, body, principal.workspaceId);
    send(res, requestId, result.status, result.body, { ...limitHeaders, ...result.headers });
  } catch (error) {
    if (!(error instanceof Failure)) throw error;
    const headers = { ...limitHeaders, ...error.extras.headers };
    send(res, requestId, error.status, errorBody(requestId, error), headers);
  }
}

interface Result {
  status: number;
  body?: Json;
  headers?: Record<string, string>;
}

async function route(
  req: IncomingMessage,
  path: string,
  query: string,
  body: unknown,
  workspaceId: string,
): Promise<Result> {
  const method = req.method ?? "GET";
  if (path === "/v2/contacts") {
    if (method === "GET") return listContacts(workspaceId, new URLSearchParams(query));
    if (method === "POST") return createContact(workspaceId, body);
    throw new Failure(405, "method_not_allowed", `${method} method not allowed`, {
      headers: { Allow: "GET, POST" },
    });
  }
  if (path.startsWith("/v2/contacts/") && path.indexOf("/", 13) === -1 && path.length > 13) {
    let ref: string;
    try {
      ref = decodeURIComponent(path.slice(13));
    } catch {
      throw invalid([{ path: "/path", message: "is not a valid percent-encoded URI" }]);
    }
    const problems = validateRef(ref);
    if (problems.length > 0) throw invalid(problems);
    const headers = req.headers;
    if (method === "GET") return retrieveContact(workspaceId, ref, headers["if-none-match"]);
    if (method === "PATCH") return updateContactRoute(workspaceId, ref, body, headers["if-match"]);
    if (method === "DELETE") return deleteContact(workspaceId, ref, headers["if-match"]);
    throw new Failure(405, "method_not_allowed", `${method} method not allowed`, {
      headers: { Allow: "GET, PATCH, DELETE" },
    });
  }
  // orq.ai's identities: the reads the bench measures (the writes are the contacts' code paths).
  if (path === "/v2/identities") {
    if (method === "GET") return listIdentities(workspaceId, new URLSearchParams(query));
    throw new Failure(405, "method_not_allowed", `${method} method not allowed`, {
      headers: { Allow: "GET" },
    });
  }
  if (path.startsWith("/v2/identities/") && path.indexOf("/", 15) === -1 && path.length > 15) {
    let ref: string;
    try {
      ref = decodeURIComponent(path.slice(15));
    } catch {
      throw invalid([{ path: "/path", message: "is not a valid percent-encoded URI" }]);
    }
    const problems = validateRef(ref);
    if (problems.length > 0) throw invalid(problems);
    if (method === "GET") {
      return retrieveIdentity(
        workspaceId,
        ref,
        new URLSearchParams(query),
        req.headers["if-none-match"],
      );
    }
    throw new Failure(405, "method_not_allowed", `${method} method not allowed`, {
      headers: { Allow: "GET" },
    });
  }
  throw new Failure(404, "route_not_found", `No route for ${method} ${path}`);
}

async function retrieveIdentity(
  workspaceId: string,
  ref: string,
  params: URLSearchParams,
  ifNoneMatch: string | undefined,
): Promise<Result> {
  const problems: Problem[] = [];
  for (const [name, value] of params) {
    if (name !== "include_metrics" && name !== "include_budget") {
      problems.push({ path: `/query/${name}`, message: "is not a known parameter" });
    } else if (value !== "true" && value !== "false") {
      problems.push({ path: `/query/${name}`, message: "must be boolean" });
    }
  }
  if (problems.length > 0) throw invalid(problems);
  const row = await db.byRef(workspaceId, ref);
  if (!row) throw notFound(ref);
  const etag = { ETag: etagOf(row) };
  if (ifNoneMatch && etagListMatches(ifNoneMatch, etag.ETag, "weak")) {
    return { status: 304, headers: etag };
  }
  const withMetrics = params.get("include_metrics") === "true";
  return { status: 200, body: { identity: identityOf(row, withMetrics) }, headers: etag };
}

async function listIdentities(workspaceId: string, params: URLSearchParams): Promise<Result> {
  const query = validateIdentityListQuery(params);
  if (Array.isArray(query)) throw invalid(query);
  const { rows, hasMore } = await listRows(workspaceId, query);
  const data = rows.map((row) => identityOf(row, query.includeMetrics === true));
  return { status: 200, body: { object: "list", data, has_more: hasMore } };
}

async function createContact(workspaceId: string, body: unknown): Promise<Result> {
  if (body === undefined) throw invalid([{ path: "/body", message: "request body is required" }]);
  const problems = validateCreate(body);
  if (problems.length > 0) throw invalid(problems);
  const input = body as Record<string, Json>;
  const metadata = (input.metadata ?? {}) as Record<string, Json>;
  const metadataIssues = metadataProblems(metadata);
  if (metadataIssues.length > 0) throw invalid(metadataIssues);
  const createdAt = Date.now();
  const row: ContactRow = {
    id: ids.contactId(createdAt),
    workspace_id: workspaceId,
    external_id: input.external_id as string,
    display_name: (input.display_name ?? null) as string | null,
    email: (input.email ?? null) as string | null,
    avatar_url: (input.avatar_url ?? null) as string | null,
    tags: JSON.stringify([...new Set((input.tags ?? []) as string[])]),
    metadata: JSON.stringify(metadata),
    created_at: createdAt,
    updated_at: createdAt,
    version: 1,
  };
  const tags = JSON.parse(row.tags) as string[];
  const { existingId } = await db.insert(row, searchText(row), tags);
  if (existingId !== undefined) {
    throw new Failure(
      409,
      "external_id_conflict",
      `A contact with external_id ${JSON.stringify(row.external_id)} already exists`,
      { existingId },
    );
  }
  return {
    status: 201,
    body: resource(row, tags, metadata),
    headers: { Location: `/v2/contacts/${row.id}`, ETag: etagOf(row) },
  };
}

async function retrieveContact(
  workspaceId: string,
  ref: string,
  ifNoneMatch: string | undefined,
): Promise<Result> {
  const row = await db.byRef(workspaceId, ref);
  if (!row) throw notFound(ref);
  const etag = { ETag: etagOf(row) };
  if (ifNoneMatch && etagListMatches(ifNoneMatch, etag.ETag, "weak")) {
    return { status: 304, headers: etag };
  }
  return { status: 200, body: fromRow(row), headers: etag };
}

async function listContacts(workspaceId: string, params: URLSearchParams): Promise<Result> {
  const query = validateListQuery(params);
  if (Array.isArray(query)) throw invalid(query);
  const { rows, hasMore } = await listRows(workspaceId, query);
  return { status: 200, body: { object: "list", data: rows.map(fromRow), has_more: hasMore } };
}

/** The store's list query, built and cached the same way. */
async function listRows(
  workspaceId: string,
  query: ListQuery,
): Promise<{ rows: ContactRow[]; hasMore: boolean }> {
  const backwards = query.endingBefore !== undefined;
  const where = ["workspace_id = ?"];
  const params: unknown[] = [workspaceId];
  let order = `id ${backwards ? "ASC" : "DESC"}`;
  const cursorId = query.endingBefore ?? query.startingAfter;
  if (query.sort !== undefined) {
    // As the store: keyset on (sort key, id), the cursor's key looked up in the workspace.
    const forwards = query.sort === "updated" ? "DESC" : "ASC";
    const direction = backwards ? (forwards === "ASC" ? "DESC" : "ASC") : forwards;
    const key = query.sort === "updated" ? "updated_at" : "display_name";
    order = `${key} ${direction}, id ${direction}`;
    if (cursorId !== undefined) {
      const cursor = await db.byId(workspaceId, cursorId);
      if (!cursor) {
        const name = backwards ? "ending_before" : "starting_after";
        throw invalid([
          {
            path: `/query/${name}`,
            message: "names no contact of this workspace (a sorted list needs an existing cursor)",
          },
        ]);
      }
      if (query.sort === "updated") {
        where.push(`(updated_at, id) ${backwards ? ">" : "<"} (?, ?)`);
        params.push(cursor.updated_at, cursor.id);
      } else if (cursor.display_name === null) {
        where.push(
          backwards ? "(display_name IS NULL AND id < ?)" : "(display_name IS NOT NULL OR id > ?)",
        );
        params.push(cursor.id);
      } else {
        where.push(
          backwards
            ? "(display_name IS NULL OR (display_name, id) < (?, ?))"
            : "(display_name, id) > (?, ?)",
        );
        params.push(db.displayNameParam(cursor.display_name), cursor.id);
      }
    }
  } else {
    if (query.startingAfter !== undefined) {
      where.push("id < ?");
      params.push(query.startingAfter);
    }
    if (query.endingBefore !== undefined) {
      where.push("id > ?");
      params.push(query.endingBefore);
    }
  }
  if (query.search !== undefined) {
    where.push("instr(search_text, ?) > 0");
    params.push(query.search.toLowerCase());
  }
  for (const tag of new Set(query.tags ?? [])) {
    where.push(
      "EXISTS (SELECT 1 FROM contact_tags t WHERE t.workspace_id = ? AND t.tag = ? AND t.contact_id = contacts.id)",
    );
    params.push(workspaceId, tag);
  }
  if (query.anyTags !== undefined) {
    where.push(
      `EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = contacts.id AND t.tag IN (${query.anyTags.map(() => "?").join(", ")}))`,
    );
    params.push(...query.anyTags);
  }
  const sql = `SELECT ${COLUMNS} FROM contacts WHERE ${where.join(" AND ")}
      ORDER BY ${order} LIMIT ?`;
  params.push(query.limit + 1);
  const rows = await db.list(sql, params);
  const hasMore = rows.length > query.limit;
  const page = rows.slice(0, query.limit);
  if (backwards) page.reverse();
  return { rows: page, hasMore };
}

async function updateContactRoute(
  workspaceId: string,
  ref: string,
  body: unknown,
  ifMatch: string | undefined,
): Promise<Result> {
  const patch = (body ?? {}) as Record<string, Json>;
  const problems = validateUpdate(patch);
  if (problems.length > 0) throw invalid(problems);
  const now = Date.now();
  let written: { tags: string[]; metadata: Record<string, Json> } | undefined;
  const updated = await db.update(
    workspaceId,
    ref,
    (row) => {
      if (ifMatch !== undefined && !etagListMatches(ifMatch, etagOf(row), "strong")) {
        throw new Failure(
          412,
          "precondition_failed",
          `Contact ${ref} does not match If-Match: it changed since it was read`,
        );
      }
      const tags = JSON.parse(row.tags) as string[];
      const metadata = JSON.parse(row.metadata) as Record<string, Json>;
      const nextTags =
        patch.tags === undefined ? tags : [...new Set((patch.tags ?? []) as string[])];
      const nextMetadata =
        patch.metadata === undefined
          ? metadata
          : patch.metadata === null
            ? {}
            : (mergePatch(metadata, patch.metadata) as Record<string, Json>);
      if (patch.metadata) {
        const issues = metadataProblems(nextMetadata);
        if (issues.length > 0) throw invalid(issues);
      }
      const next: ContactRow = {
        ...row,
        display_name: (patch.display_name === undefined ? row.display_name : patch.display_name) as
          | string
          | null,
        email: (patch.email === undefined ? row.email : patch.email) as string | null,
        avatar_url: (patch.avatar_url === undefined ? row.avatar_url : patch.avatar_url) as
          | string
          | null,
        tags: JSON.stringify(nextTags),
        metadata: JSON.stringify(nextMetadata),
      };
      const unchanged =
        next.display_name === row.display_name &&
        next.email === row.email &&
        next.avatar_url === row.avatar_url &&
        next.tags === row.tags &&
        next.metadata === row.metadata;
      written = { tags: nextTags, metadata: nextMetadata };
      if (unchanged) return { row, changed: false };
      next.updated_at = now;
      next.version = row.version + 1;
      return { row: next, changed: true, ...(patch.tags !== undefined && { tags: nextTags }) };
    },
    searchText,
  );
  if (!updated || !written) throw notFound(ref);
  return {
    status: 200,
    body: resource(updated.row, written.tags, written.metadata),
    headers: { ETag: etagOf(updated.row) },
  };
}

async function deleteContact(
  workspaceId: string,
  ref: string,
  ifMatch: string | undefined,
): Promise<Result> {
  const deleted = await db.delete(workspaceId, ref, (row) => {
    if (ifMatch !== undefined && !etagListMatches(ifMatch, etagOf(row), "strong")) {
      throw new Failure(
        412,
        "precondition_failed",
        `Contact ${ref} does not match If-Match: it changed since it was read`,
      );
    }
  });
  if (!deleted) throw notFound(ref);
  return { status: 204 };
}

/** Bearer key → workspace: lookup by key id, SHA-256 of the whole key compared in constant time. */
async function authenticate(
  header: string | undefined,
): Promise<{ workspaceId: string; keyId: string }> {
  const match = BEARER.exec(header ?? "");
  const key = match?.[1];
  const keyId = key ? API_KEY.exec(key)?.[1] : undefined;
  const row = keyId ? await db.keyRow(keyId) : undefined;
  if (key && row && row.revoked_at === null) {
    const presented = createHash("sha256").update(key).digest();
    if (
      presented.length === row.secret_hash.length &&
      timingSafeEqual(presented, row.secret_hash)
    ) {
      return { workspaceId: row.workspace_id, keyId: keyId as string };
    }
  }
  throw new Failure(401, "unauthorized", "Missing or invalid API key", {
    headers: { "WWW-Authenticate": match ? 'Bearer error="invalid_token"' : "Bearer" },
  });
}

/** The body as JSON (objects and arrays only, as body-parser's strict mode), within the limit. */
async function readJson(req: IncomingMessage): Promise<unknown> {
  const length = Number(req.headers["content-length"] ?? 0);
  const hasBody = req.headers["transfer-encoding"] !== undefined || length > 0;
  if (!hasBody) return undefined;
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json") {
    req.resume();
    throw new Failure(
      415,
      "unsupported_media_type",
      "Request body must be application/json (UTF-8)",
    );
  }
  if (length > BODY_LIMIT) {
    req.resume();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Keep reading past the limit, discarding: leaving the loop would destroy the socket.
    if (size <= BODY_LIMIT) chunks.push(chunk);
  }
  if (size > BODY_LIMIT) throw tooLarge();
  const text = (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)).toString(
    "utf8",
  );
  const first = text.trimStart()[0];
  try {
    if (first !== "{" && first !== "[") throw new SyntaxError(`Unexpected token '${first ?? ""}'`);
    return JSON.parse(text);
  } catch (error) {
    throw new Failure(
      400,
      "malformed_json",
      `Request body is not valid JSON: ${(error as Error).message}`,
    );
  }
}

function send(
  res: ServerResponse,
  requestId: string,
  status: number,
  body?: Json,
  headers?: Record<string, string>,
): void {
  if (body === undefined) {
    res.writeHead(status, { "Request-Id": requestId, ...SECURITY_HEADERS, ...headers });
    res.end();
    return;
  }
  const json = JSON.stringify(body);
  res.writeHead(status, {
    "Request-Id": requestId,
    ...SECURITY_HEADERS,
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(json),
    ...headers,
  });
  res.end(json);
}

function errorBody(requestId: string, failure: Failure): Json {
  const body: { [key: string]: Json } = {
    error: failure.message,
    code: failure.code,
    message: failure.message,
    request_id: requestId,
  };
  if (failure.extras.details) {
    body.details = failure.extras.details.map(({ path, message }) => ({ path, message }));
  }
  if (failure.extras.existingId) body.existing_id = failure.extras.existingId;
  return body;
}

function invalid(problems: Problem[]): Failure {
  const shown = problems.slice(0, 20);
  const immutable = shown.some((p) => p.code === "immutable_field");
  return new Failure(
    400,
    immutable ? "immutable_field" : "validation_failed",
    `Invalid request: ${shown.map((p) => `${p.path} ${p.message}`).join("; ")}`,
    { details: shown },
  );
}

const notFound = (ref: string) => new Failure(404, "not_found", `Contact not found: ${ref}`);
const tooLarge = () =>
  new Failure(
    413,
    "payload_too_large",
    `Request body is larger than the limit (${BODY_LIMIT / 1024} KiB)`,
  );

function fromRow(row: ContactRow): Json {
  return resource(row, JSON.parse(row.tags) as string[], JSON.parse(row.metadata) as Json);
}

function resource(row: ContactRow, tags: string[], metadata: Json): Json {
  return {
    _id: row.id,
    external_id: row.external_id,
    workspace_id: row.workspace_id,
    display_name: row.display_name,
    email: row.email,
    avatar_url: row.avatar_url,
    tags,
    metadata,
    metrics: NO_USAGE,
    created: new Date(row.created_at).toISOString(),
    updated: new Date(row.updated_at).toISOString(),
  };
}

/** orq.ai's identity shape: absent fields left out, metrics only on request. */
function identityOf(row: ContactRow, withMetrics: boolean): Json {
  const identity: { [key: string]: Json } = {
    _id: row.id,
    external_id: row.external_id,
    workspace_id: row.workspace_id,
  };
  if (row.display_name !== null) identity.display_name = row.display_name;
  if (row.email !== null) identity.email = row.email;
  if (row.avatar_url !== null) identity.avatar_url = row.avatar_url;
  identity.tags = JSON.parse(row.tags) as Json;
  identity.metadata = JSON.parse(row.metadata) as Json;
  if (withMetrics) identity.metrics = NO_USAGE;
  identity.created = new Date(row.created_at).toISOString();
  identity.updated = new Date(row.updated_at).toISOString();
  return identity;
}

function searchText(row: Pick<ContactRow, "external_id" | "display_name" | "email">): string {
  return `${row.external_id}\n${row.display_name ?? ""}\n${row.email ?? ""}`.toLowerCase();
}

function etagOf(row: Pick<ContactRow, "id" | "version">): string {
  return `"${row.id.slice(8)}.${row.version}"`;
}

function etagListMatches(header: string, etag: string, comparison: "strong" | "weak"): boolean {
  return header.split(",").some((candidate) => {
    const tag = candidate.trim();
    if (tag === "*") return true;
    if (tag.startsWith("W/")) return comparison === "weak" && tag.slice(2) === etag;
    return tag === etag;
  });
}

function mergePatch(target: Json | undefined, patch: Json): Json {
  if (!isJsonObject(patch)) return patch;
  const merged = new Map(Object.entries(isJsonObject(target) ? target : {}));
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) merged.delete(key);
    else merged.set(key, mergePatch(merged.get(key), value));
  }
  return Object.fromEntries(merged);
}

function isJsonObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(
    `${JSON.stringify({ msg: "listening", url: `http://127.0.0.1:${port}` })}\n`,
  );
});

const stop = () => {
  server.close(() => {
    void db.close().finally(() => process.exit(0));
  });
  server.closeIdleConnections();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
