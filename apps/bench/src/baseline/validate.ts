// The request rules of openapi.yaml and of the server's contact rules, hand-written for the
// baseline: the checks a request costs must be the same on both sides, without a validator
// library. Messages follow Ajv's wording; the bench's parity check compares statuses, codes and
// shapes, not message text.

export interface Problem {
  path: string;
  message: string;
  code?: "immutable_field";
}

// ajv-formats "full" mode, as the server's validator is configured.
const EMAIL =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i;
const URI =
  /^(?:[a-z][a-z0-9+\-.]*:)(?:\/?\/(?:(?:[a-z0-9\-._~!$&'()*+,;=:]|%[0-9a-f]{2})*@)?(?:\[(?:(?:(?:(?:[0-9a-f]{1,4}:){6}|::(?:[0-9a-f]{1,4}:){5}|(?:[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){4}|(?:(?:[0-9a-f]{1,4}:){0,1}[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){3}|(?:(?:[0-9a-f]{1,4}:){0,2}[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){2}|(?:(?:[0-9a-f]{1,4}:){0,3}[0-9a-f]{1,4})?::[0-9a-f]{1,4}:|(?:(?:[0-9a-f]{1,4}:){0,4}[0-9a-f]{1,4})?::)(?:[0-9a-f]{1,4}:[0-9a-f]{1,4}|(?:(?:25[0-5]|2[0-4]\d|[01]?\d\d?)\.){3}(?:25[0-5]|2[0-4]\d|[01]?\d\d?))|(?:(?:[0-9a-f]{1,4}:){0,5}[0-9a-f]{1,4})?::[0-9a-f]{1,4}|(?:(?:[0-9a-f]{1,4}:){0,6}[0-9a-f]{1,4})?::)|[Vv][0-9a-f]+\.[a-z0-9\-._~!$&'()*+,;=:]+)\]|(?:(?:25[0-5]|2[0-4]\d|[01]?\d\d?)\.){3}(?:25[0-5]|2[0-4]\d|[01]?\d\d?)|(?:[a-z0-9\-._~!$&'()*+,;=]|%[0-9a-f]{2})*)(?::\d*)?(?:\/(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*|\/(?:(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})+(?:\/(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*)?|(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})+(?:\/(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*)(?:\?(?:[a-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9a-f]{2})*)?(?:#(?:[a-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9a-f]{2})*)?$/i;
const HTTP_URL = /^[Hh][Tt][Tt][Pp][Ss]?:\/\//;
const CONTACT_ID = /^contact_[0-9A-HJKMNP-TV-Z]{26}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the spec's search pattern forbids them
const CONTROL = /[\u0000-\u001F\u007F]/;

export const MAX_METADATA_BYTES = 16 * 1024;
const MAX_METADATA_KEYS = 50;
const MAX_METADATA_DEPTH = 32;
const IMMUTABLE = new Set(["_id", "external_id", "workspace_id", "metrics", "created", "updated"]);
const CREATE_FIELDS = new Set([
  "external_id",
  "display_name",
  "email",
  "avatar_url",
  "tags",
  "metadata",
]);
const UPDATE_FIELDS = new Set(["display_name", "email", "avatar_url", "tags", "metadata"]);
const LIST_PARAMS = new Set([
  "limit",
  "starting_after",
  "ending_before",
  "search",
  "tags",
  "include_metrics",
]);

/** JSON Schema lengths count code points, not UTF-16 units. */
function length(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkString(value: unknown, path: string, min: number, max: number, out: Problem[]) {
  if (typeof value !== "string") return void out.push({ path, message: "must be string" });
  // A string of n UTF-16 units has at most n code points: count only when it could matter.
  if (value.length < min || (value.length > max && length(value) > max)) {
    out.push({
      path,
      message:
        value.length < min
          ? `must NOT have fewer than ${min} characters`
          : `must NOT have more than ${max} characters`,
    });
  }
}

function checkNullable(
  value: unknown,
  path: string,
  max: number,
  out: Problem[],
  format?: (text: string) => string | undefined,
) {
  if (value === null) return;
  if (typeof value !== "string") return void out.push({ path, message: "must be string,null" });
  checkString(value, path, 0, max, out);
  const problem = format?.(value);
  if (problem) out.push({ path, message: problem });
}

const email = (text: string) => (EMAIL.test(text) ? undefined : 'must match format "email"');
const avatarUrl = (text: string) => {
  if (!(/\/|:/.test(text) && URI.test(text))) return 'must match format "uri"';
  return HTTP_URL.test(text) ? undefined : 'must match pattern "^[Hh][Tt][Tt][Pp][Ss]?://"';
};

function checkTags(value: unknown, path: string, out: Problem[]) {
  if (!Array.isArray(value)) return void out.push({ path, message: "must be array" });
  if (value.length > 50) out.push({ path, message: "must NOT have more than 50 items" });
  value.forEach((tag, i) => {
    checkString(tag, `${path}/${i}`, 1, 64, out);
  });
}

function checkMetadata(value: unknown, path: string, out: Problem[]) {
  if (!isObject(value)) return void out.push({ path, message: "must be object" });
  const keys = Object.keys(value);
  if (keys.length > MAX_METADATA_KEYS) {
    out.push({ path, message: `must NOT have more than ${MAX_METADATA_KEYS} properties` });
  }
  for (const key of keys) {
    if (key.length === 0 || (key.length > 40 && length(key) > 40)) {
      out.push({ path, message: "property name must be valid" });
    }
  }
}

function checkMutableFields(body: Record<string, unknown>, out: Problem[], update: boolean) {
  if ("display_name" in body) checkNullable(body.display_name, "/body/display_name", 256, out);
  if ("email" in body) checkNullable(body.email, "/body/email", 254, out, email);
  if ("avatar_url" in body)
    checkNullable(body.avatar_url, "/body/avatar_url", 2048, out, avatarUrl);
  if ("tags" in body && !(update && body.tags === null)) checkTags(body.tags, "/body/tags", out);
  if ("metadata" in body && !(update && body.metadata === null)) {
    checkMetadata(body.metadata, "/body/metadata", out);
  }
}

/** CreateContactRequest, then the storable-value and metadata-size rules. */
export function validateCreate(body: unknown): Problem[] {
  const out: Problem[] = [];
  if (!isObject(body)) return [{ path: "/body", message: "must be object" }];
  for (const key of Object.keys(body)) {
    if (!CREATE_FIELDS.has(key))
      out.push({ path: `/body/${key}`, message: "is not a known field" });
  }
  if (!("external_id" in body)) {
    out.push({ path: "/body/external_id", message: "must have required property 'external_id'" });
  } else checkString(body.external_id, "/body/external_id", 1, 120, out);
  checkMutableFields(body, out, false);
  return out.length > 0 ? out : storableProblems(body);
}

/** UpdateContactRequest (a merge patch), then the storable-value rules. */
export function validateUpdate(body: unknown): Problem[] {
  const out: Problem[] = [];
  if (!isObject(body)) return [{ path: "/body", message: "must be object" }];
  for (const key of Object.keys(body)) {
    if (IMMUTABLE.has(key)) {
      out.push({ path: `/body/${key}`, message: "cannot be changed", code: "immutable_field" });
    } else if (!UPDATE_FIELDS.has(key)) {
      out.push({ path: `/body/${key}`, message: "is not a known field" });
    }
  }
  checkMutableFields(body, out, true);
  return out.length > 0 ? out : storableProblems(body);
}

/**
 * What a JSON and SQLite round trip would change: lone surrogates, non-finite numbers, and
 * nesting deeper than metadata allows. Iterative, like the server's, so depth cannot overflow.
 */
function storableProblems(root: unknown): Problem[] {
  const pending: [unknown, string, number][] = [[root, "/body", 0]];
  for (let item = pending.pop(); item; item = pending.pop()) {
    const [value, path, depth] = item;
    if (typeof value === "string" && !value.isWellFormed()) {
      return [{ path, message: "must be valid Unicode (no lone surrogates)" }];
    }
    if (typeof value === "number" && !Number.isFinite(value)) {
      return [{ path, message: "must be a finite number" }];
    }
    if (value === null || typeof value !== "object") continue;
    if (depth >= MAX_METADATA_DEPTH + 1) {
      return [
        { path, message: `must NOT be nested more than ${MAX_METADATA_DEPTH + 1} levels deep` },
      ];
    }
    for (const [key, child] of Object.entries(value)) {
      const childPath = `${path}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`;
      if (!key.isWellFormed()) return [{ path: childPath, message: "key is not valid Unicode" }];
      pending.push([child, childPath, depth + 1]);
    }
  }
  return [];
}

/** The metadata size rule, on a create or on the result of a merge. */
export function metadataProblems(metadata: Record<string, unknown>): Problem[] {
  const keys = Object.keys(metadata).length;
  if (keys > MAX_METADATA_KEYS) {
    return [
      { path: "/body/metadata", message: `must NOT have more than ${MAX_METADATA_KEYS} keys` },
    ];
  }
  const bytes = Buffer.byteLength(JSON.stringify(metadata), "utf8");
  return bytes > MAX_METADATA_BYTES
    ? [{ path: "/body/metadata", message: `must NOT be larger than ${MAX_METADATA_BYTES} bytes` }]
    : [];
}

/** The path parameter `{id}`: an `_id` or an `external_id`, 1–120 characters. */
export function validateRef(ref: string): Problem[] {
  const out: Problem[] = [];
  checkString(ref, "/path/id", 1, 120, out);
  return out;
}

export interface ListQuery {
  limit: number;
  startingAfter?: string;
  endingBefore?: string;
  search?: string;
  tags?: string[];
  /** Identities: any of these tags (`filter_by.tags`). */
  anyTags?: string[];
  /** Identities: `sort_by`, newest first when absent. */
  sort?: "display_name" | "updated";
  includeMetrics?: boolean;
}

const SORTS: Record<string, ListQuery["sort"] | undefined> = {
  IDENTITY_SORT_FIELD_UNSPECIFIED: undefined,
  IDENTITY_SORT_FIELD_DISPLAY_NAME: "display_name",
  IDENTITY_SORT_FIELD_UPDATED: "updated",
};
const IDENTITY_LIST_PARAMS = new Set([
  "limit",
  "starting_after",
  "ending_before",
  "search",
  "filter_by.tags",
  "include_metrics",
  "include_budget",
  "sort_by",
]);

/** listIdentities' query: listContacts' rules, with filter_by.tags, sort_by and include_budget. */
export function validateIdentityListQuery(query: URLSearchParams): ListQuery | Problem[] {
  const contactsQuery = new URLSearchParams();
  const out: Problem[] = [];
  for (const [name, value] of query) {
    if (!IDENTITY_LIST_PARAMS.has(name)) {
      out.push({ path: `/query/${name}`, message: "is not a known parameter" });
    } else if (!["filter_by.tags", "sort_by", "include_budget"].includes(name)) {
      contactsQuery.append(name, value);
    }
  }
  const common = validateListQuery(contactsQuery);
  if (Array.isArray(common)) out.push(...common);
  const anyTags = query.getAll("filter_by.tags");
  if (anyTags.length > 0) checkTags(anyTags, "/query/filter_by.tags", out);
  const sortBy = query.getAll("sort_by");
  if (sortBy.length > 1) out.push({ path: "/query/sort_by", message: "must not be repeated" });
  if (sortBy[0] !== undefined && !(sortBy[0] in SORTS)) {
    out.push({ path: "/query/sort_by", message: "must be equal to one of the allowed values" });
  }
  const budget = query.getAll("include_budget");
  if (budget.some((value) => value !== "true" && value !== "false")) {
    out.push({ path: "/query/include_budget", message: "must be boolean" });
  }
  if (out.length > 0 || Array.isArray(common)) return out;
  const sort = sortBy[0] === undefined ? undefined : SORTS[sortBy[0]];
  return {
    ...common,
    ...(anyTags.length > 0 && { anyTags: [...new Set(anyTags)] }),
    ...(sort !== undefined && { sort }),
    includeMetrics: query.get("include_metrics") === "true",
  };
}

/** listContacts' query: known parameters only, coerced as the validator coerces them. */
export function validateListQuery(query: URLSearchParams): ListQuery | Problem[] {
  const out: Problem[] = [];
  const result: ListQuery = { limit: 10 };
  const single = (name: string): string | undefined => {
    const values = query.getAll(name);
    if (values.length > 1) out.push({ path: `/query/${name}`, message: "must not be repeated" });
    return values[0];
  };
  for (const name of query.keys()) {
    if (!LIST_PARAMS.has(name))
      out.push({ path: `/query/${name}`, message: "is not a known parameter" });
  }
  const limit = single("limit");
  if (limit !== undefined) {
    const value = Number(limit);
    if (!/^-?\d+$/.test(limit)) out.push({ path: "/query/limit", message: "must be integer" });
    else if (value < 1) out.push({ path: "/query/limit", message: "must be >= 1" });
    else if (value > 50) out.push({ path: "/query/limit", message: "must be <= 50" });
    else result.limit = value;
  }
  for (const [name, field] of [
    ["starting_after", "startingAfter"],
    ["ending_before", "endingBefore"],
  ] as const) {
    const cursor = single(name);
    if (cursor === undefined) continue;
    if (CONTACT_ID.test(cursor)) result[field] = cursor;
    else out.push({ path: `/query/${name}`, message: `must match pattern "${CONTACT_ID.source}"` });
  }
  const search = single("search");
  if (search !== undefined) {
    const before = out.length;
    checkString(search, "/query/search", 1, 256, out);
    if (CONTROL.test(search)) out.push({ path: "/query/search", message: "must match pattern" });
    if (out.length === before) result.search = search;
  }
  const tags = query.getAll("tags").flatMap((value) => value.split(","));
  if (tags.length > 0) {
    const before = out.length;
    checkTags(tags, "/query/tags", out);
    if (out.length === before) result.tags = tags;
  }
  const metrics = single("include_metrics");
  if (metrics !== undefined && metrics !== "true" && metrics !== "false") {
    out.push({ path: "/query/include_metrics", message: "must be boolean" });
  }
  if (result.startingAfter !== undefined && result.endingBefore !== undefined) {
    out.push(
      { path: "/query/starting_after", message: "cannot be combined with ending_before" },
      { path: "/query/ending_before", message: "cannot be combined with starting_after" },
    );
  }
  return out.length > 0 ? out : result;
}
