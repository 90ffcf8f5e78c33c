// Before any load: the same requests to the server and the baseline must give the same status,
// headers that matter and JSON (byte-equal where the data is the same, same shape where ids and
// clocks differ). A ratio against a baseline that does less work would flatter nobody.
import { COMMON_TERM, RARE_TERM } from "./dataset.js";
import type { Target } from "./processes.js";
import { createBody, IDENTITIES_BY_NAME, type ScenarioData, searchPath } from "./scenarios.js";

interface Check {
  name: string;
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
  auth: "read" | "write" | "none" | "wrong";
  /** exact: same JSON; shape: same JSON once server-made ids and times are masked; error: same code and fields. */
  compare: "exact" | "shape" | "error";
}

interface Reply {
  status: number;
  headers: Headers;
  body: unknown;
}

/** Runs every check against both targets; returns one line per mismatch (none: parity holds). */
export async function checkParity(
  server: Target,
  baseline: Target,
  keys: { read: string; write: string },
  data: ScenarioData,
): Promise<{ checks: number; mismatches: string[] }> {
  const id = data.ids[data.ids.length - 5] as string;
  const deep = data.ids[Math.floor(data.ids.length / 10)] as string;
  const list = "/v2/contacts?limit=10&include_metrics=false";
  const checks: Check[] = [
    {
      name: "retrieve by _id",
      method: "GET",
      path: `/v2/contacts/${id}`,
      auth: "read",
      compare: "exact",
    },
    {
      name: "retrieve by external_id",
      method: "GET",
      path: `/v2/contacts/${data.externalIds[3]}`,
      auth: "read",
      compare: "exact",
    },
    { name: "list, first page", method: "GET", path: list, auth: "read", compare: "exact" },
    {
      name: "retrieve identity",
      method: "GET",
      path: `/v2/identities/${id}`,
      auth: "read",
      compare: "exact",
    },
    {
      name: "identities by display name",
      method: "GET",
      path: `${IDENTITIES_BY_NAME}&starting_after=${deep}`,
      auth: "read",
      compare: "exact",
    },
    {
      name: "identities by display name, previous page",
      method: "GET",
      path: `${IDENTITIES_BY_NAME.replace("include_metrics=false", "include_metrics=true")}&ending_before=${deep}`,
      auth: "read",
      compare: "exact",
    },
    {
      name: "list, deep page",
      method: "GET",
      path: `${list}&starting_after=${deep}`,
      auth: "read",
      compare: "exact",
    },
    {
      name: "list, previous page",
      method: "GET",
      path: `${list}&ending_before=${deep}`,
      auth: "read",
      compare: "exact",
    },
    {
      name: "list, tags filter",
      method: "GET",
      path: `${list}&tags=premium%2Ctrial`,
      auth: "read",
      compare: "exact",
    },
    {
      name: "search, rare",
      method: "GET",
      path: searchPath(RARE_TERM),
      auth: "read",
      compare: "exact",
    },
    {
      name: "search, common",
      method: "GET",
      path: searchPath(COMMON_TERM.toUpperCase()),
      auth: "read",
      compare: "exact",
    },
    {
      name: "create",
      method: "POST",
      path: "/v2/contacts",
      body: createBody("parity-1", 1),
      auth: "write",
      compare: "shape",
    },
    {
      name: "create, duplicate",
      method: "POST",
      path: "/v2/contacts",
      body: createBody("parity-1", 1),
      auth: "write",
      compare: "error",
    },
    {
      name: "update",
      method: "PATCH",
      path: `/v2/contacts/${id}`,
      body: JSON.stringify({
        display_name: "Parity",
        tags: ["a", "b", "a"],
        metadata: { plan: null, x: { y: 1 } },
      }),
      auth: "read",
      compare: "shape",
    },
    {
      name: "update, immutable field",
      method: "PATCH",
      path: `/v2/contacts/${id}`,
      body: JSON.stringify({ external_id: "nope" }),
      auth: "read",
      compare: "error",
    },
    {
      name: "retrieve, unknown",
      method: "GET",
      path: "/v2/contacts/nobody-here",
      auth: "read",
      compare: "error",
    },
    { name: "no key", method: "GET", path: list, auth: "none", compare: "error" },
    { name: "wrong key", method: "GET", path: list, auth: "wrong", compare: "error" },
    {
      name: "limit=0",
      method: "GET",
      path: "/v2/contacts?limit=0",
      auth: "read",
      compare: "error",
    },
    {
      name: "unknown parameter",
      method: "GET",
      path: "/v2/contacts?color=red",
      auth: "read",
      compare: "error",
    },
    {
      name: "create, bad email",
      method: "POST",
      path: "/v2/contacts",
      body: JSON.stringify({ external_id: "parity-2", email: "not an email" }),
      auth: "write",
      compare: "error",
    },
    {
      name: "malformed JSON",
      method: "POST",
      path: "/v2/contacts",
      body: "{",
      auth: "write",
      compare: "error",
    },
  ];
  const mismatches: string[] = [];
  for (const check of checks) {
    const [a, b] = [await send(server, check, keys), await send(baseline, check, keys)];
    for (const problem of compare(check, a, b)) mismatches.push(`${check.name}: ${problem}`);
  }
  const etag = (await send(server, checks[0] as Check, keys)).headers.get("etag") ?? "";
  const conditional: Check = {
    ...(checks[0] as Check),
    name: "retrieve, If-None-Match",
    headers: { "If-None-Match": etag },
  };
  const [a, b] = [await send(server, conditional, keys), await send(baseline, conditional, keys)];
  for (const problem of compare(conditional, a, b))
    mismatches.push(`${conditional.name}: ${problem}`);
  return { checks: checks.length + 1, mismatches };
}

async function send(
  target: Target,
  check: Check,
  keys: { read: string; write: string },
): Promise<Reply> {
  const headers: Record<string, string> = { ...check.headers };
  if (check.auth === "read") headers.Authorization = `Bearer ${keys.read}`;
  if (check.auth === "write") headers.Authorization = `Bearer ${keys.write}`;
  if (check.auth === "wrong")
    headers.Authorization = `Bearer ck_0000000000000000_${"x".repeat(43)}`;
  if (check.body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(`${target.url}${check.path}`, {
    method: check.method,
    headers,
    ...(check.body !== undefined && { body: check.body }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? JSON.parse(text) : undefined,
  };
}

const PRESENT = ["request-id", "etag", "location", "ratelimit", "retry-after"];
const EQUAL = [
  "content-type",
  "www-authenticate",
  "allow",
  "ratelimit-policy",
  "cache-control",
  "content-security-policy",
  "x-content-type-options",
  "x-frame-options",
  "referrer-policy",
  "cross-origin-resource-policy",
];

function compare(check: Check, a: Reply, b: Reply): string[] {
  const problems: string[] = [];
  if (a.status !== b.status) problems.push(`status ${a.status} vs ${b.status}`);
  // Present on both or on neither; the fixed-value ones must also be equal.
  for (const name of [...PRESENT, ...EQUAL]) {
    const [x, y] = [a.headers.get(name), b.headers.get(name)];
    if ((x === null) !== (y === null) || (EQUAL.includes(name) && x !== y)) {
      problems.push(`header ${name}: ${x} vs ${y}`);
    }
  }
  if (check.compare === "exact") {
    if (a.headers.get("etag") !== b.headers.get("etag")) problems.push("etag differs");
    if (JSON.stringify(a.body) !== JSON.stringify(b.body))
      problems.push(
        `body differs:\n  ${JSON.stringify(a.body)?.slice(0, 300)}\n  ${JSON.stringify(b.body)?.slice(0, 300)}`,
      );
  } else if (check.compare === "shape") {
    const [x, y] = [JSON.stringify(mask(a.body)), JSON.stringify(mask(b.body))];
    if (x !== y) problems.push(`body differs once ids and times are masked:\n  ${x}\n  ${y}`);
  } else {
    const [x, y] = [
      a.body as Record<string, unknown> | undefined,
      b.body as Record<string, unknown> | undefined,
    ];
    if (x?.code !== y?.code) problems.push(`code ${x?.code} vs ${y?.code}`);
    const keysOf = (o: Record<string, unknown> | undefined) =>
      Object.keys(o ?? {})
        .sort()
        .join(",");
    if (keysOf(x) !== keysOf(y)) problems.push(`fields ${keysOf(x)} vs ${keysOf(y)}`);
    for (const [reply, body] of [
      [a, x],
      [b, y],
    ] as const) {
      if (body?.request_id !== reply.headers.get("request-id"))
        problems.push("request_id differs from the Request-Id header");
    }
    const paths = (o: Record<string, unknown> | undefined) =>
      ((o?.details as { path: string }[] | undefined) ?? []).map((d) => d.path).join(",");
    if (paths(x) !== paths(y)) problems.push(`details paths ${paths(x)} vs ${paths(y)}`);
  }
  return problems;
}

/** Hides what each system makes up by itself: ids, clocks, request ids. */
function mask(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(mask);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [
      key,
      key === "_id" || key === "created" || key === "updated" || key === "existing_id"
        ? "…"
        : mask(v),
    ]),
  );
}
