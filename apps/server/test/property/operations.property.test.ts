/**
 * Properties of every operation in openapi.yaml, with requests generated from the spec's own
 * parameters and request bodies (json-schema-arbitrary.ts), against the real server:
 *
 * - a valid request gets a documented 2xx (404 when it names a contact that does not exist)
 *   whose status, headers and body match the spec;
 * - a request with exactly one violation, in the body, a query, path or header parameter, an
 *   unknown query parameter, or a pair of parameters the spec says not to combine, gets a 400
 *   whose `details` name the violated path;
 * - no request gets a 5xx or hangs, and the server answers afterwards.
 *
 * Operations and parameters are read from the spec: a new operation, parameter or limit is tested
 * without a change here. Optional header parameters (Idempotency-Key, If-Match, If-None-Match)
 * are left out of valid requests, since they change the outcome (a replay, a 412, a 304) in ways
 * safe-writes.test.ts covers; their violations are generated like any other.
 *
 * Budget: fast and seeded in `npm test`; DEEP=1 or PROPERTY_RUNS=n for a large run, which prints
 * what it covered. A failure prints the seed and path to replay with FC_SEED / FC_PATH.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSpec } from "../../src/spec.js";
import type { Exchange } from "../support/spec-validator.js";
import {
  specValidator,
  startTestServer,
  type TestServer,
  type TestWorkspace,
} from "../support/test-server.js";
import {
  escapePointer,
  type JsonSchema,
  specArbitraries,
  type Violation,
} from "./json-schema-arbitrary.js";
import {
  Coverage,
  fcParameters,
  numRuns,
  REQUEST_TIMEOUT_MS,
  TEST_TIMEOUT_MS,
} from "./property-budget.js";

const spec = loadSpec().document;
const bridge = specArbitraries();

/**
 * Parameters the spec documents as not to be sent together (OpenAPI cannot say it in a schema):
 * a valid request never has both, and a request with both is one violation naming each.
 */
const MUTUALLY_EXCLUSIVE: [string, string][] = [["starting_after", "ending_before"]];
/**
 * Rules the schema cannot express (the server's clock, the usage retention, period lengths, a
 * contact _id the workspace lacks): a schema-valid request may be refused for them, with this
 * status and only details naming these paths.
 */
const RULE_REFUSALS: Record<string, { status: string; path: RegExp }> = {
  recordUsage: { status: "400", path: /^\/body\/events\/\d+\/timestamp$/ },
  retrieveContactUsage: { status: "400", path: /^\/query\/from$/ },
  listTopContacts: { status: "400", path: /^\/query\/from$/ },
};
/**
 * Under a sorted `sort_by`, a cursor must name an existing identity (listIdentities' description):
 * a valid request leaves such a pair out; identities.test.ts and the stateful test walk them.
 */
const SORTED_ORDERS = new Set(["IDENTITY_SORT_FIELD_DISPLAY_NAME", "IDENTITY_SORT_FIELD_UPDATED"]);
const CURSORS = new Set(["starting_after", "ending_before"]);
/** How the API addresses an existing resource in a path (DESIGN §2: `_id` or `external_id`). */
const REFERENCE_FIELDS = ["_id", "external_id"] as const;

type Location = "query" | "path" | "header";

interface Parameter {
  name: string;
  in: Location | "cookie";
  required: boolean;
  schema: JsonSchema;
  style?: string;
  explode?: boolean;
}

interface Operation {
  operationId: string;
  method: string;
  template: string;
  parameters: Parameter[];
  body?: { schema: JsonSchema; required: boolean; mediaType: string };
  statuses: string[];
}

/** The spec's operations, with path-level parameters merged in and $refs resolved. */
function specOperations(): Operation[] {
  const methods = ["get", "put", "post", "delete", "patch", "options", "head", "trace"];
  const resolve = <T>(node: unknown): T =>
    typeof node === "object" && node !== null && "$ref" in node
      ? (bridge.resolveRef(String(node.$ref)) as T)
      : (node as T);
  return Object.entries(spec.paths).flatMap(([template, item]) => {
    const shared = ((item.parameters as unknown[]) ?? []).map((p) => resolve<Parameter>(p));
    return methods.flatMap((method) => {
      const operation = item[method] as
        | {
            operationId: string;
            parameters?: unknown[];
            requestBody?: unknown;
            responses: Record<string, unknown>;
          }
        | undefined;
      if (!operation) return [];
      const own = (operation.parameters ?? []).map((p) => resolve<Parameter>(p));
      const parameters = [
        ...shared.filter((p) => !own.some((o) => o.name === p.name && o.in === p.in)),
        ...own,
      ].map((p) => ({ ...p, required: p.required ?? false }));
      const requestBody = operation.requestBody
        ? resolve<{ required?: boolean; content: Record<string, { schema: JsonSchema }> }>(
            operation.requestBody,
          )
        : undefined;
      const [mediaType, content] = Object.entries(requestBody?.content ?? {})[0] ?? [];
      return [
        {
          operationId: operation.operationId,
          method: method.toUpperCase(),
          template,
          parameters,
          ...(content &&
            mediaType && {
              body: { schema: content.schema, required: requestBody?.required ?? false, mediaType },
            }),
          statuses: Object.keys(operation.responses),
        },
      ];
    });
  });
}

/** How a client percent-encodes a query string; the server must understand each. */
const QUERY_ENCODERS = {
  /** WHATWG URLSearchParams (form encoding): a space as `+`; `*` as it is. */
  form: (entries: [string, string][]) => new URLSearchParams(entries).toString(),
  /** encodeURIComponent, as openapi-fetch (so @contacts/client) does: `!'()*` as they are. */
  component: (entries: [string, string][]) =>
    entries.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&"),
  /** Everything outside RFC 3986's unreserved characters percent-encoded. */
  strict: (entries: [string, string][]) =>
    entries.map(([k, v]) => `${percentEncodeAll(k)}=${percentEncodeAll(v)}`).join("&"),
};
type QueryEncoding = keyof typeof QUERY_ENCODERS;
const queryEncodings = fc.constantFrom(...(Object.keys(QUERY_ENCODERS) as QueryEncoding[]));

function percentEncodeAll(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** A request as parts, before it is put on the wire. */
interface RequestParts {
  path: Record<string, string>;
  query: [string, string][];
  headers: Record<string, string>;
  body?: unknown;
  encoding: QueryEncoding;
}

/**
 * The text of a parameter value (style form for queries, simple for paths and headers), or
 * undefined when the value cannot travel as itself: an empty path segment, `.`/`..` (which URLs
 * normalize away), a list item holding the separator, a header value HTTP would trim or refuse.
 */
function serialize(parameter: Parameter, value: unknown): [string, string][] | undefined {
  const text = (item: unknown) => (typeof item === "string" ? item : JSON.stringify(item));
  if (Array.isArray(value)) {
    if (value.some((item) => typeof item === "object" && item !== null)) return undefined;
    const items = value.map(text);
    const explode = parameter.explode ?? parameter.style === "form";
    if (parameter.in === "query" && explode) return items.map((item) => [parameter.name, item]);
    const joined = items.join(",");
    if (items.length === 0 || joined === "" || joined.split(",").length !== items.length) {
      return undefined;
    }
    return [[parameter.name, joined]];
  }
  if (typeof value === "object" && value !== null) return undefined;
  const single = text(value);
  if (parameter.in === "path" && (single === "" || single === "." || single === "..")) {
    return undefined;
  }
  if (parameter.in === "header" && !/^(?:[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?)?$/.test(single)) {
    return undefined;
  }
  return [[parameter.name, single]];
}

/** Where the server's `details` put a parameter (`/params/id` for Express's name of `path`). */
function detailPaths(location: Location | "body", name: string, pointer: string): string[] {
  switch (location) {
    case "body":
      return [`/body${pointer}`];
    case "query":
      return [`/query/${escapePointer(name)}${pointer}`];
    case "path":
      return [`/path/${name}${pointer}`, `/params/${name}${pointer}`];
    case "header":
      return [`/headers/${name.toLowerCase()}${pointer}`];
  }
}

/** Valid values of a parameter, as wire text. */
function validText(parameter: Parameter): fc.Arbitrary<[string, string][]> {
  return bridge
    .valid(parameter.schema, textOptions(parameter))
    .map((value) => serialize(parameter, value))
    .filter((text): text is [string, string][] => text !== undefined);
}

/** Parameters are text; header values are printable ASCII. */
function textOptions(parameter: Parameter) {
  return { coerced: true, ascii: parameter.in === "header" };
}

/** Valid optional and required parameters of some locations, none of the excluded ones. */
function validParameters(
  operation: Operation,
  exclude: ReadonlySet<string> = new Set(),
): fc.Arbitrary<Pick<RequestParts, "query" | "headers">> {
  const optionalHeader = (p: Parameter) => p.in === "header" && !p.required;
  const chosen = operation.parameters.filter(
    (p) => (p.in === "query" || p.in === "header") && !exclude.has(p.name) && !optionalHeader(p),
  );
  return fc
    .tuple(
      ...chosen.map((parameter) =>
        parameter.required
          ? validText(parameter).map((text) => ({ parameter, text }))
          : fc.option(
              validText(parameter).map((text) => ({ parameter, text })),
              { nil: undefined },
            ),
      ),
    )
    .filter(
      (picked) =>
        !(
          picked.some(
            (x) => x?.parameter.name === "sort_by" && SORTED_ORDERS.has(x.text[0]?.[1] ?? ""),
          ) && picked.some((x) => x !== undefined && CURSORS.has(x.parameter.name))
        ),
    )
    .filter((picked) =>
      MUTUALLY_EXCLUSIVE.every(
        ([a, b]) =>
          !(
            picked.some((x) => x?.parameter.name === a) &&
            picked.some((x) => x?.parameter.name === b)
          ),
      ),
    )
    .map((picked) => {
      const query: [string, string][] = [];
      const headers: Record<string, string> = {};
      for (const item of picked) {
        if (!item) continue;
        if (item.parameter.in === "query") query.push(...item.text);
        else for (const [name, value] of item.text) headers[name] = value;
      }
      return { query, headers };
    });
}

/** A valid body, or none when the operation's body is optional. */
function validBody(operation: Operation): fc.Arbitrary<{ body?: unknown }> {
  if (!operation.body) return fc.constant({});
  const body = bridge.valid(operation.body.schema).map((value) => ({ body: value }));
  return operation.body.required ? body : fc.oneof(body, fc.constant({}));
}

const pathParameters = (operation: Operation) =>
  operation.parameters.filter((p) => p.in === "path");

/** One violation in one place of the request; the rest of the request is valid. */
interface Broken {
  parts: RequestParts;
  /** Any of these paths in `details` names the violation. */
  expected: string[];
  label: string;
}

function brokenRequests(operation: Operation): fc.Arbitrary<Broken> {
  const choices: fc.Arbitrary<Broken>[] = [];
  /** Bodies have the most kinds of violation: they get a larger share of the cases. */
  const bodyChoices: fc.Arbitrary<Broken>[] = [];
  const anyPath = fc
    .tuple(
      ...pathParameters(operation).map((p) =>
        validText(p).map((text) => [p.name, text[0]?.[1] ?? ""] as const),
      ),
    )
    .map((entries) => Object.fromEntries(entries));
  /** A valid request but for `exclude`, to which `make` adds one violation. */
  const withRest = <T>(
    exclude: string,
    violation: fc.Arbitrary<T>,
    make: (violation: T, rest: RequestParts) => Broken,
  ) =>
    fc
      .tuple(
        violation,
        anyPath,
        validParameters(operation, new Set([exclude])),
        validBody(operation),
        queryEncodings,
      )
      .map(([broken, path, params, body, encoding]) =>
        make(broken, { path, ...params, ...body, encoding }),
      );

  // A parameter value that breaks its schema.
  for (const parameter of operation.parameters) {
    if (parameter.in === "cookie") continue;
    const violations = bridge.invalid(parameter.schema, textOptions(parameter));
    if (!violations) continue;
    const sendable = violations
      .map((violation) => ({ violation, text: serialize(parameter, violation.value) }))
      .filter((x): x is { violation: Violation; text: [string, string][] } => x.text !== undefined);
    choices.push(
      withRest(parameter.name, sendable, ({ violation, text }, rest) => {
        const parts: RequestParts = { ...rest };
        if (parameter.in === "query") parts.query = [...rest.query, ...text];
        else if (parameter.in === "header")
          parts.headers = { ...rest.headers, [parameter.name]: text[0]?.[1] ?? "" };
        else parts.path = { ...rest.path, [parameter.name]: text[0]?.[1] ?? "" };
        return {
          parts,
          expected: detailPaths(parameter.in as Location, parameter.name, violation.pointer),
          label: `${parameter.in} ${parameter.name}: ${violation.keyword}`,
        };
      }),
    );
  }
  // A body that breaks its schema. A body that is not an object or array is refused by the JSON
  // parser as malformed, without details: hostile-input.test.ts covers it.
  // JSON Lines (an import) are text whatever they hold: their lines' rules are the create body's,
  // which bulk-http.test.ts checks line by line against the create's answers.
  if (operation.body && operation.body.mediaType !== "application/x-ndjson") {
    const violations = bridge.invalid(operation.body.schema);
    if (violations) {
      const jsonBodies = violations.filter(
        (v) => v.pointer !== "" || (typeof v.value === "object" && v.value !== null),
      );
      bodyChoices.push(
        fc
          .tuple(jsonBodies, anyPath, validParameters(operation), queryEncodings)
          .map(([violation, path, params, encoding]) => ({
            parts: { path, ...params, body: violation.value, encoding },
            expected: detailPaths("body", "", violation.pointer),
            label: `body: ${violation.keyword}`,
          })),
      );
    }
  }
  // A query parameter the operation does not declare.
  const declared = new Set(operation.parameters.filter((p) => p.in === "query").map((p) => p.name));
  const unknownNames = fc
    .oneof(
      fc.string({ minLength: 1, maxLength: 20 }),
      fc.constantFrom("__proto__", "constructor", "toString", "LIMIT", "Limit", "tag", "q", "page"),
    )
    // Brackets are qs syntax (`a[]`, `a[b]`): hostile-input.test.ts sends those on purpose.
    .filter((name) => !declared.has(name) && !/[[\]]/.test(name));
  choices.push(
    withRest("", fc.tuple(unknownNames, fc.string({ maxLength: 10 })), ([name, value], rest) => ({
      parts: { ...rest, query: [...rest.query, [name, value]] },
      expected: [`/query/${escapePointer(name)}`],
      label: "query: unknown parameter",
    })),
  );
  // Two parameters the spec says not to combine.
  for (const [a, b] of MUTUALLY_EXCLUSIVE) {
    const first = operation.parameters.find((p) => p.name === a && p.in === "query");
    const second = operation.parameters.find((p) => p.name === b && p.in === "query");
    if (!first || !second) continue;
    choices.push(
      withRest(a, fc.tuple(validText(first), validText(second)), ([one, two], rest) => ({
        parts: { ...rest, query: [...rest.query.filter(([name]) => name !== b), ...one, ...two] },
        expected: [`/query/${a}`, `/query/${b}`],
        label: `query: ${a} with ${b}`,
      })),
    );
  }
  return fc.oneof(
    ...choices.map((arbitrary) => ({ arbitrary, weight: 1 })),
    ...bodyChoices.map((arbitrary) => ({ arbitrary, weight: 3 })),
  );
}

let server: TestServer;
let shared: TestWorkspace;
const coverage = new Coverage("operations.property");

beforeAll(async () => {
  server = await startTestServer();
  shared = await server.workspace();
});
afterAll(async () => {
  coverage.print();
  await server.close();
});

/** Sends the request; fails on a hung request. */
async function send(
  ws: TestWorkspace,
  operation: Operation,
  parts: RequestParts,
): Promise<Response> {
  const path = operation.template.replace(/\{([^}]+)\}/g, (_, name: string) =>
    encodeURIComponent(parts.path[name] ?? ""),
  );
  const query = QUERY_ENCODERS[parts.encoding](parts.query);
  const headers: Record<string, string> = { ...parts.headers };
  const init: RequestInit = {
    method: operation.method,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  };
  if (parts.body !== undefined) {
    headers["content-type"] = operation.body?.mediaType ?? "application/json";
    init.body = JSON.stringify(parts.body);
  }
  return ws.fetch(`${path}${query ? `?${query}` : ""}`, { ...init, headers });
}

/** The exchanges since the last call, checked against the spec (and dropped, to bound memory). */
function specProblemsSinceLastCheck(): string[] {
  return server.exchanges
    .splice(0)
    .flatMap((exchange: Exchange) => specValidator.problemsOf(exchange));
}

/** Forgets the exchanges of a case that failed before checking them (it already reported). */
function discardUncheckedExchanges(): void {
  server.exchanges.splice(0);
}

function describeRequest(operation: Operation, parts: RequestParts): string {
  return `${operation.method} ${operation.template} ${JSON.stringify(parts)}`;
}

const operations = specOperations();

describe.each(operations.map((operation) => [operation.operationId, operation] as const))(
  "%s",
  (_operationId, operation) => {
    const successes = operation.statuses.filter((status) => /^2\d\d$/.test(status));
    const addressed = pathParameters(operation).length > 0;

    it(
      "answers a valid request with a documented 2xx that matches the spec",
      async () => {
        expect(successes.length).toBeGreaterThan(0);
        const requests = fc.record({
          path: fc
            .tuple(
              ...pathParameters(operation).map((p) =>
                validText(p).map((text) => [p.name, text[0]?.[1] ?? ""] as const),
              ),
            )
            .map((entries) => Object.fromEntries(entries)),
          params: validParameters(operation),
          body: validBody(operation),
          // Which resource a path names: one created for the request, or one that does not exist.
          target: fc.constantFrom(...REFERENCE_FIELDS, "missing"),
          resource: addressed ? resourceBody(operation) : fc.constant(undefined),
          encoding: queryEncodings,
        });
        await fc.assert(
          fc.asyncProperty(
            requests,
            async ({ path, params, body, target, resource: fields, encoding }) => {
              discardUncheckedExchanges();
              // A workspace of its own, so generated external_ids never collide with earlier runs.
              const ws = await server.workspace();
              let exists = false;
              if (addressed && target !== "missing") {
                const resource = await createResource(ws, operation, fields);
                const ref = String(resource[target]);
                const name = pathParameters(operation)[0]?.name ?? "";
                path = {
                  ...path,
                  [name]: ref === "." || ref === ".." ? String(resource._id) : ref,
                };
                exists = true;
              }
              const parts: RequestParts = { path, ...params, ...body, encoding };
              const response = await send(ws, operation, parts);
              const status = String(response.status);
              coverage.add(`${operation.operationId} valid → ${status}`);
              const rule = RULE_REFUSALS[operation.operationId];
              if (rule && status === rule.status) {
                const refusal = (await response.clone().json()) as { details?: { path: string }[] };
                const paths = (refusal.details ?? []).map((d) => d.path);
                expect(paths.length).toBeGreaterThan(0);
                for (const path of paths) expect(path).toMatch(rule.path);
                expect(specProblemsSinceLastCheck()).toEqual([]);
                return;
              }
              const want = addressed && !exists ? ["404"] : successes;
              expect(
                want,
                `${describeRequest(operation, parts)} → ${status} ${await response.text()}`,
              ).toContain(status);
              expect(specProblemsSinceLastCheck()).toEqual([]);
            },
          ),
          fcParameters(numRuns(40, 2000)),
        );
        await expectServerAnswers();
      },
      TEST_TIMEOUT_MS,
    );

    it(
      "answers a request with one violation with a 400 naming the violated path",
      async () => {
        await fc.assert(
          fc.asyncProperty(brokenRequests(operation), async ({ parts, expected, label }) => {
            discardUncheckedExchanges();
            const response = await send(shared, operation, parts);
            const text = await response.text();
            coverage.add(`${operation.operationId} invalid ${label} → ${response.status}`);
            const context = `${describeRequest(operation, parts)} → ${response.status} ${text}`;
            expect(response.status, context).toBe(400);
            const details = (JSON.parse(text) as { details?: { path: string }[] }).details ?? [];
            expect(
              details.some((detail) => expected.includes(detail.path)),
              `want details naming ${expected.join(" or ")}: ${context}`,
            ).toBe(true);
            expect(specProblemsSinceLastCheck()).toEqual([]);
          }),
          fcParameters(numRuns(60, 2000)),
        );
        await expectServerAnswers();
      },
      TEST_TIMEOUT_MS,
    );
  },
);

/** The operation creating what `/things/{id}` (or `/things/{id}/part`) addresses: the POST of `/things`. */
function creatorOf(operation: Operation): Operation & { body: NonNullable<Operation["body"]> } {
  const collection = operation.template.replace(/\/\{[^}]+\}(\/.*)?$/, "");
  const create = operations.find((o) => o.template === collection && o.method === "POST");
  if (!create?.body)
    throw new Error(`no POST ${collection} creates what ${operation.operationId} addresses`);
  return create as Operation & { body: NonNullable<Operation["body"]> };
}

/** A minimal valid body for the creator of what the operation addresses. */
function resourceBody(operation: Operation): fc.Arbitrary<unknown> {
  return bridge.valid(creatorOf(operation).body.schema, { minimal: true });
}

/** Creates the resource an operation on `/things/{id}` will address. */
async function createResource(
  ws: TestWorkspace,
  operation: Operation,
  body: unknown,
): Promise<Record<string, unknown>> {
  const response = await send(ws, creatorOf(operation), {
    path: {},
    query: [],
    headers: {},
    body,
    encoding: "strict",
  });
  expect(response.status, `creating a resource: ${await response.clone().text()}`).toBe(201);
  const created = (await response.json()) as Record<string, unknown>;
  // orq.ai's identities answer `{ identity: {...} }`: the resource is the one object wrapped.
  const values = Object.values(created);
  return "_id" in created || values.length !== 1 ? created : (values[0] as Record<string, unknown>);
}

/** The server still answers: health, and a list (in a new workspace, so only liveness counts). */
async function expectServerAnswers(): Promise<void> {
  const health = await server.fetch("/healthz", {
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  expect(health.status).toBe(200);
  const fresh = await server.workspace();
  const list = await fresh.fetch("/v2/contacts", {
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  expect(list.status).toBe(200);
  expect(specProblemsSinceLastCheck()).toEqual([]);
}
