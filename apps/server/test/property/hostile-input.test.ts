/**
 * Hostile input beyond the schema: malformed and truncated JSON, wrong and missing Content-Type,
 * bodies over the limit, deep nesting, invalid UTF-8, NUL bytes, huge numbers, prototype keys in
 * metadata, odd path ids, repeated and unknown query parameters, bad Authorization forms, wrong
 * methods. Each gets a precise 4xx (status, code, and the `details` path where there is one),
 * never a 5xx; every answer conforms to the spec; the server answers afterwards.
 *
 * Mostly tables of cases; the truncation and random-bytes cases are properties (budget and replay:
 * property-budget.ts). Requests fetch cannot make (a raw `..` segment, no Content-Type, repeated
 * headers, non-ASCII header bytes) go through node:http and are checked against the spec too.
 */
import { request as httpRequest } from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyIdOf } from "../../src/auth/api-keys.js";
import { BODY_LIMIT_BYTES } from "../../src/config.js";
import {
  specValidator,
  startTestServer,
  type TestServer,
  type TestWorkspace,
} from "../support/test-server.js";
import { specArbitraries } from "./json-schema-arbitrary.js";
import { fcParameters, numRuns, REQUEST_TIMEOUT_MS, TEST_TIMEOUT_MS } from "./property-budget.js";

/** What a test looks at in an answer. */
interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: { code?: string; details?: { path: string }[]; [key: string]: unknown } | undefined;
}

/** The answer a case wants: a status, and the error code and a `details` path where they apply. */
interface Want {
  status: number;
  code?: string;
  /** One of these paths must be in `details`. */
  detail?: string | string[];
}

let server: TestServer;
let ws: TestWorkspace;
let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}`;
const JSON_TYPE = { "content-type": "application/json" };

beforeAll(async () => {
  server = await startTestServer();
  ws = await server.workspace();
});
afterAll(async () => {
  await server.close();
});

async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: parse(text) };
}

function parse(text: string): Answer["json"] {
  try {
    return JSON.parse(text) as Answer["json"];
  } catch {
    return undefined;
  }
}

/** A request through the recording fetch (with this workspace's key unless headers say otherwise). */
async function send(path: string, init: RequestInit = {}, as: TestWorkspace = ws): Promise<Answer> {
  return answerOf(
    await as.fetch(path, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), ...init }),
  );
}

/**
 * A request exactly as given, through node:http: no URL normalization, no default headers, any
 * header bytes. The exchange is checked against the spec here, since the harness does not see it.
 */
function sendRaw(
  method: string,
  path: string,
  headers: Record<string, string | string[]>,
  body?: Buffer,
): Promise<Answer> {
  const { hostname, port } = new URL(server.baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: hostname, port, method, path, headers, timeout: REQUEST_TIMEOUT_MS },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined) responseHeaders.set(name, String(value));
          }
          const answer = {
            status: res.statusCode ?? 0,
            headers: responseHeaders,
            text,
            json: parse(text),
          };
          const problems = specValidator.problemsOf({
            method,
            url: `${server.baseUrl}${path}`,
            status: answer.status,
            headers: responseHeaders,
            body: text === "" ? undefined : (answer.json ?? text),
          });
          if (problems.length > 0) reject(new Error(`outside the spec: ${problems.join("; ")}`));
          else resolve(answer);
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer to ${method} ${path}`)));
    req.on("error", reject);
    if (body) req.write(body);
    req.end();
  });
}

function expectAnswer(answer: Answer, want: Want, context = ""): void {
  const label = `${context} → ${answer.status} ${answer.text.slice(0, 400)}`;
  expect(answer.status, label).toBe(want.status);
  if (want.code !== undefined) expect(answer.json?.code, label).toBe(want.code);
  if (want.detail !== undefined) {
    const paths = (answer.json?.details ?? []).map((detail) => detail.path);
    const wanted = Array.isArray(want.detail) ? want.detail : [want.detail];
    expect(
      paths.some((path) => wanted.includes(path)),
      `want details naming ${wanted.join(" or ")}: ${label}`,
    ).toBe(true);
  }
}

const post = (
  body: string | Uint8Array | ReadableStream,
  headers: Record<string, string> = JSON_TYPE,
) =>
  send("/v2/contacts", {
    method: "POST",
    headers,
    body,
    ...(body instanceof ReadableStream && { duplex: "half" }),
  } as RequestInit);

async function createContact(
  fields: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const answer = await post(JSON.stringify({ external_id: unique("c"), ...fields }));
  expectAnswer(answer, { status: 201 }, JSON.stringify(fields));
  return answer.json as Record<string, unknown>;
}

const PATH_PARAM = (name: string) => [`/path/${name}`, `/params/${name}`];

describe("malformed JSON", () => {
  const malformed: [string, string][] = [
    ["an unclosed object", "{"],
    ["a missing value", '{"external_id":}'],
    ["single quotes", "{'external_id':'x'}"],
    ["a trailing comma", '{"external_id":"x",}'],
    ["an extra closing brace", '{"external_id":"x"}}'],
    ["an invalid escape", '{"external_id":"\\x"}'],
    ["a raw control character in a string", '{"external_id":"a\u0001b"}'],
    ["a raw NUL byte in a string", '{"external_id":"a\u0000b"}'],
    ["a NUL byte after the value", '{"external_id":"x"}\u0000'],
    ["trailing garbage", '{"external_id":"x"} x'],
    ["two values", '{"external_id":"x"}{"external_id":"y"}'],
    ["a comment", '{"external_id":"x" /* c */}'],
    ["NaN", '{"external_id":"x","metadata":{"n":NaN}}'],
    ["form encoding", "external_id=x"],
    ["whitespace only", "   "],
    ["a bare word", "nul"],
  ];

  it.each(malformed)(
    "refuses %s with 400 malformed_json, on create and update",
    async (_name, body) => {
      expectAnswer(await post(body), { status: 400, code: "malformed_json" }, body);
      const { _id } = await createContact();
      const patched = await send(`/v2/contacts/${_id}`, {
        method: "PATCH",
        headers: JSON_TYPE,
        body,
      });
      expectAnswer(patched, { status: 400, code: "malformed_json" }, body);
    },
  );

  it.each(["5", '"x"', "null", "true"])(
    "refuses the JSON value %s as a body with 400 (the body must be an object)",
    async (body) => {
      const answer = await post(body);
      expectAnswer(answer, { status: 400 }, body);
      // Where details are given, they name the body itself.
      for (const detail of answer.json?.details ?? []) expect(detail.path).toBe("/body");
    },
  );

  it(
    "refuses every truncation of a valid body with 400 malformed_json",
    async () => {
      const schemas = fc.constantFrom("CreateContactRequest", "UpdateContactRequest");
      const truncated = schemas.chain((name) =>
        specArbitraries()
          .valid({ $ref: `#/components/schemas/${name}` })
          .chain((value) => {
            const text = JSON.stringify(value);
            return fc
              .nat({ max: text.length - 1 })
              .map((cut) => ({ name, text: text.slice(0, cut) }));
          }),
      );
      const { _id } = await createContact();
      await fc.assert(
        fc.asyncProperty(truncated, async ({ name, text }) => {
          const answer =
            name === "CreateContactRequest"
              ? await post(text)
              : await send(`/v2/contacts/${_id}`, {
                  method: "PATCH",
                  headers: JSON_TYPE,
                  body: text,
                });
          // An empty body is no body: a create then lacks external_id, an update is empty.
          if (text === "") expect([200, 400]).toContain(answer.status);
          else expectAnswer(answer, { status: 400, code: "malformed_json" }, text);
        }),
        fcParameters(numRuns(30, 1000)),
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "answers random bytes and random Content-Types with a 4xx",
    async () => {
      const contentTypes = fc.oneof(
        fc.constantFrom("application/json", "application/json; charset=utf-8", "text/plain", ""),
        fc
          .string({ unit: "grapheme-ascii", maxLength: 40 })
          .filter((t) => /^[\x21-\x7e]?$|^[\x21-\x7e][\x20-\x7e]*[\x21-\x7e]$/.test(t)),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 300 }),
          contentTypes,
          async (bytes, contentType) => {
            const answer = await post(
              bytes,
              contentType === "" ? {} : { "content-type": contentType },
            );
            expect(
              answer.status,
              `${contentType} ${Buffer.from(bytes).toString("hex")}`,
            ).toBeGreaterThanOrEqual(400);
            expect(answer.status).toBeLessThan(500);
          },
        ),
        fcParameters(numRuns(30, 1000)),
      );
    },
    TEST_TIMEOUT_MS,
  );
});

describe("Content-Type", () => {
  it.each<[string, string | undefined, number]>([
    ["text/plain", "text/plain", 415],
    ["form encoding", "application/x-www-form-urlencoded", 415],
    ["multipart", "multipart/form-data; boundary=x", 415],
    ["XML", "application/xml", 415],
    ["a JSON-based type the spec does not declare", "application/vnd.api+json", 415],
    ["a bare subtype", "json", 415],
    ["Latin-1", "application/json; charset=latin1", 415],
    ["ISO-8859-1", "application/json; charset=iso-8859-1", 415],
    ["no Content-Type at all", undefined, 415],
    ["UTF-8, spelled out", "application/json; charset=utf-8", 201],
    ["UTF-8 in capitals, no space", "application/json;charset=UTF-8", 201],
    ["a media type in capitals", "APPLICATION/JSON", 201],
    ["an unknown parameter", "application/json; foo=bar", 201],
  ])("%s (%s) → %i", async (_name, contentType, status) => {
    const body = Buffer.from(JSON.stringify({ external_id: unique("ct") }));
    const answer = await sendRaw(
      "POST",
      "/v2/contacts",
      {
        authorization: `Bearer ${ws.apiKey}`,
        "content-length": String(body.length),
        ...(contentType !== undefined && { "content-type": contentType }),
      },
      body,
    );
    expectAnswer(
      answer,
      { status, ...(status === 415 && { code: "unsupported_media_type" }) },
      contentType,
    );
  });

  it("takes application/merge-patch+json on update only, where the spec declares it", async () => {
    const { _id } = await createContact();
    const answer = await send(`/v2/contacts/${_id}`, {
      method: "PATCH",
      headers: { "content-type": "application/merge-patch+json" },
      body: JSON.stringify({ display_name: "x" }),
    });
    expectAnswer(answer, { status: 200 });
    expect(answer.json?.display_name).toBe("x");
    const create = await post(JSON.stringify({ external_id: unique("merge") }), {
      "content-type": "application/merge-patch+json",
    });
    expectAnswer(create, { status: 415, code: "unsupported_media_type" });
  });

  it("never garbles a body declared as UTF-16: refused, or read as sent", async () => {
    const externalId = unique("utf16");
    const text = JSON.stringify({ external_id: externalId, display_name: "Zoë 😀" });
    const body = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
    const answer = await post(body, { "content-type": "application/json; charset=utf-16" });
    if (answer.status === 201)
      expect(answer.json).toMatchObject({ external_id: externalId, display_name: "Zoë 😀" });
    else expectAnswer(answer, { status: 415, code: "unsupported_media_type" });
  });
});

describe("bodies over the limit", () => {
  /** A create body of exactly `bytes` bytes whose display_name is far too long. */
  const bodyOf = (bytes: number) => {
    const frame = JSON.stringify({ external_id: unique("big"), display_name: "" });
    return frame.replace(
      '"display_name":""',
      `"display_name":"${"x".repeat(bytes - frame.length)}"`,
    );
  };

  it("reads a body of exactly the limit (and finds it invalid, not too large)", async () => {
    const body = bodyOf(BODY_LIMIT_BYTES);
    expect(Buffer.byteLength(body)).toBe(BODY_LIMIT_BYTES);
    expectAnswer(await post(body), {
      status: 400,
      code: "validation_failed",
      detail: "/body/display_name",
    });
  });

  it.each([
    ["one byte over", BODY_LIMIT_BYTES + 1],
    ["1 MiB", 1024 * 1024],
  ])("refuses a body %s with 413, on create and update", async (_name, bytes) => {
    expectAnswer(await post(bodyOf(bytes)), { status: 413, code: "payload_too_large" });
    const { _id } = await createContact();
    const patched = await send(`/v2/contacts/${_id}`, {
      method: "PATCH",
      headers: JSON_TYPE,
      body: bodyOf(bytes),
    });
    expectAnswer(patched, { status: 413, code: "payload_too_large" });
  });

  it("refuses a chunked body (no Content-Length) that grows past the limit with 413", async () => {
    const chunk = new TextEncoder().encode("x".repeat(16 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0)
          controller.enqueue(new TextEncoder().encode('{"external_id":"chunked","display_name":"'));
        if (sent > BODY_LIMIT_BYTES * 2) {
          controller.enqueue(new TextEncoder().encode('"}'));
          controller.close();
        } else controller.enqueue(chunk);
        sent += chunk.length;
      },
    });
    expectAnswer(await post(stream), { status: 413, code: "payload_too_large" });
  });

  it("refuses a large body of another media type with 415, without reading it", async () => {
    expectAnswer(await post("x".repeat(BODY_LIMIT_BYTES * 2), { "content-type": "text/plain" }), {
      status: 415,
      code: "unsupported_media_type",
    });
  });
});

describe("deep nesting", () => {
  const arrays = (depth: number) => `${"[".repeat(depth)}1${"]".repeat(depth)}`;
  const objects = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;

  it("stores a metadata value 32 levels deep, and refuses one 33 levels deep", async () => {
    const ok = await post(`{"external_id":"${unique("deep")}","metadata":{"k":${arrays(31)}}}`);
    expectAnswer(ok, { status: 201 });
    const tooDeep = await post(
      `{"external_id":"${unique("deep")}","metadata":{"k":${arrays(32)}}}`,
    );
    expectAnswer(tooDeep, { status: 400, code: "validation_failed" });
    expect(tooDeep.json?.details?.[0]?.path).toMatch(/^\/body\/metadata\/k(\/0)+$/);
  });

  it.each<[string, string, string]>([
    ["10,000 nested arrays in metadata", `{"metadata":{"k":${arrays(10_000)}}}`, "/body/metadata"],
    ["60,000 nested arrays in metadata", `{"metadata":{"k":${arrays(60_000)}}}`, "/body/metadata"],
    [
      "20,000 nested objects in metadata",
      `{"metadata":{"k":${objects(20_000)}}}`,
      "/body/metadata",
    ],
    ["60,000 nested arrays in an unknown field", `{"zzz":${arrays(60_000)}}`, "/body/zzz"],
    [
      "60,000 nested arrays as display_name",
      `{"display_name":${arrays(60_000)}}`,
      "/body/display_name",
    ],
  ])("refuses %s with 400, on create and update", async (_name, fields, path) => {
    const body = `{"external_id":"${unique("deep")}",${fields.slice(1)}`;
    const created = await post(body);
    expectAnswer(created, { status: 400, code: "validation_failed" }, fields.slice(0, 40));
    expect(created.json?.details?.[0]?.path.startsWith(path), created.text.slice(0, 300)).toBe(
      true,
    );
    const { _id } = await createContact();
    const patched = await send(`/v2/contacts/${_id}`, {
      method: "PATCH",
      headers: JSON_TYPE,
      body: fields,
    });
    expect(patched.status, patched.text.slice(0, 300)).toBe(400);
  });
});

describe("invalid UTF-8 and NUL bytes", () => {
  const withBytes = (bytes: number[]) =>
    Buffer.concat([
      Buffer.from(`{"external_id":"${unique("utf8")}","display_name":"a`),
      Buffer.from(bytes),
      Buffer.from('b"}'),
    ]);

  it("refuses a body that is not valid UTF-8 with 400 malformed_json, never storing replacement characters", async () => {
    const failures: string[] = [];
    for (const [name, bytes] of [
      ["0xFF", [0xff]],
      ["0xFE 0xFF", [0xfe, 0xff]],
      ["an overlong '/' (0xC0 0xAF)", [0xc0, 0xaf]],
      ["an encoded surrogate (0xED 0xA0 0x80)", [0xed, 0xa0, 0x80]],
      ["a truncated sequence (0xE2 0x82)", [0xe2, 0x82]],
      ["a lone continuation byte (0x80)", [0x80]],
    ] as [string, number[]][]) {
      const answer = await post(withBytes(bytes));
      if (answer.status !== 400 || answer.json?.code !== "malformed_json") {
        failures.push(`${name} → ${answer.status} ${answer.text.slice(0, 160)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("refuses a lone surrogate (escaped) instead of storing something else", async () => {
    const answer = await post(`{"external_id":"${unique("s")}","display_name":"a\\ud800b"}`);
    expectAnswer(answer, { status: 400, detail: "/body/display_name" });
  });

  it("stores escaped NUL characters as data and returns them unchanged", async () => {
    const fields = {
      display_name: "a\u0000b",
      tags: ["t\u0000"],
      metadata: { "k\u0000": "v\u0000", nested: { "\u0000": ["\u0000"] } },
    };
    const created = await createContact(fields);
    expect(created).toMatchObject(fields);
    const retrieved = await send(`/v2/contacts/${created._id}`);
    expectAnswer(retrieved, { status: 200 });
    expect(retrieved.json).toMatchObject(fields);
  });

  it.each<[string, () => Promise<Answer>, Want]>([
    [
      "NUL in external_id",
      () => post(JSON.stringify({ external_id: "a\u0000b" })),
      { status: 400, detail: "/body/external_id" },
    ],
    ["NUL in a path id", () => send("/v2/contacts/a%00b"), { status: 404, code: "not_found" }],
    [
      "NUL in search",
      () => send("/v2/contacts?search=a%00b"),
      { status: 400, detail: "/query/search" },
    ],
    [
      "invalid UTF-8 in a path id",
      () => send("/v2/contacts/%FF"),
      { status: 400, detail: "/path" },
    ],
    [
      "invalid UTF-8 in search",
      () => send("/v2/contacts?search=%FF"),
      { status: 400, detail: "/query/search" },
    ],
  ])("answers %s precisely", async (_name, request, want) => {
    expectAnswer(await request(), want);
  });
});

describe("huge numbers", () => {
  it.each<[string, string, string]>([
    ["1e400 in metadata", '{"n":1e400}', "/body/metadata/n"],
    ["-1e400 in metadata", '{"n":-1e400}', "/body/metadata/n"],
    ["1e400 nested in metadata", '{"a":{"b":[1,1e400]}}', "/body/metadata/a/b/1"],
    ["a 100,000-digit number in metadata", `{"n":1${"0".repeat(100_000)}}`, "/body/metadata/n"],
  ])("refuses %s with 400 naming it", async (_name, metadata, path) => {
    const answer = await post(`{"external_id":"${unique("n")}","metadata":${metadata}}`);
    expectAnswer(answer, { status: 400, code: "validation_failed", detail: path });
  });

  it("refuses a huge number where a string belongs", async () => {
    expectAnswer(await post('{"external_id":1e400}'), { status: 400, detail: "/body/external_id" });
  });

  it("refuses huge and non-finite numbers for limit with 400 naming it", async () => {
    const failures: string[] = [];
    for (const limit of [
      "1e400",
      "-1e400",
      "Infinity",
      "-Infinity",
      "99999999999999999999",
      "1e-400",
      "NaN",
    ]) {
      const answer = await send(`/v2/contacts?limit=${limit}`);
      const paths = (answer.json?.details ?? []).map((d) => d.path);
      if (answer.status !== 400 || !paths.includes("/query/limit")) {
        failures.push(`limit=${limit} → ${answer.status} ${answer.text.slice(0, 160)}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

describe("__proto__, constructor and prototype", () => {
  const polluted = () =>
    [Object.prototype, Array.prototype, Function.prototype].some((proto) =>
      ["polluted", "x"].some((key) => Object.hasOwn(proto, key)),
    );

  it("stores them in metadata as plain data, returns them unchanged, and pollutes nothing", async () => {
    const metadata =
      '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"prototype":{"x":1},"hasOwnProperty":1,"toString":"s"}';
    const created = await post(`{"external_id":"${unique("proto")}","metadata":${metadata}}`);
    expectAnswer(created, { status: 201 });
    const stored = JSON.parse(metadata) as Record<string, unknown>;
    const expectStored = (answer: Answer, pick: (json: Record<string, unknown>) => unknown) => {
      const value = pick(JSON.parse(answer.text) as Record<string, unknown>) as Record<
        string,
        unknown
      >;
      expect(Object.keys(value).sort()).toEqual(Object.keys(stored).sort());
      for (const key of Object.keys(stored)) expect(value[key]).toEqual(stored[key]);
      expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    };
    expectStored(created, (json) => json.metadata);
    const id = String(created.json?._id);
    const retrieved = await send(`/v2/contacts/${id}`);
    expectStored(retrieved, (json) => json.metadata);
    const listed = await send(
      `/v2/contacts?search=${encodeURIComponent(String(created.json?.external_id))}`,
    );
    expectStored(listed, (json) => (json.data as Record<string, unknown>[])[0]?.metadata);

    const patched = await send(`/v2/contacts/${id}`, {
      method: "PATCH",
      headers: JSON_TYPE,
      body: '{"metadata":{"__proto__":{"x":2},"constructor":null}}',
    });
    expectAnswer(patched, { status: 200 });
    const merged = (JSON.parse(patched.text) as { metadata: Record<string, unknown> }).metadata;
    expect(Object.hasOwn(merged, "__proto__")).toBe(true);
    expect(Object.getOwnPropertyDescriptor(merged, "__proto__")?.value).toEqual({
      polluted: true,
      x: 2,
    });
    expect(Object.hasOwn(merged, "constructor")).toBe(false);
    expect(polluted()).toBe(false);
  });

  it.each(["__proto__", "constructor", "prototype"])(
    "refuses %s as a body field with 400 naming it",
    async (name) => {
      const answer = await post(`{"external_id":"${unique("p")}","${name}":{"polluted":true}}`);
      expectAnswer(answer, { status: 400, detail: `/body/${name}` });
      expect(polluted()).toBe(false);
    },
  );

  it.each([
    ["__proto__=1", "/query/__proto__"],
    ["__proto__[polluted]=1", "/query/__proto__[polluted]"],
    ["constructor[prototype][polluted]=1", "/query/constructor[prototype][polluted]"],
    ["toString=1", "/query/toString"],
  ])("refuses the query %s with 400 and pollutes nothing", async (query, path) => {
    expectAnswer(await send(`/v2/contacts?${query}`), { status: 400, detail: path });
    expect(polluted()).toBe(false);
  });
});

describe("odd path ids", () => {
  const external = {
    slash: "a/b",
    unicode: "Zoë 😀 ü",
    percent: "100%",
    spaces: "  ",
  };
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    for (const [name, externalId] of Object.entries(external)) {
      ids[name] = String((await createContact({ external_id: externalId }))._id);
    }
  });

  it.each<[string, string, keyof typeof external]>([
    ["an encoded slash", "/v2/contacts/a%2Fb", "slash"],
    ["encoded Unicode", `/v2/contacts/${encodeURIComponent(external.unicode)}`, "unicode"],
    ["an encoded percent sign", "/v2/contacts/100%25", "percent"],
    ["encoded spaces", "/v2/contacts/%20%20", "spaces"],
  ])("finds the contact whose external_id is in %s", async (_name, path, which) => {
    for (const method of ["GET", "PATCH"]) {
      const answer = await sendRaw(method, path, { authorization: `Bearer ${ws.apiKey}` });
      expectAnswer(answer, { status: 200 }, `${method} ${path}`);
      expect(answer.json?._id).toBe(ids[which]);
    }
  });

  it.each<[string, string, Want]>([
    [
      "an id of 120 characters that does not exist",
      `/v2/contacts/${"x".repeat(120)}`,
      { status: 404, code: "not_found" },
    ],
    [
      "an id of 121 characters",
      `/v2/contacts/${"x".repeat(121)}`,
      { status: 400, detail: PATH_PARAM("id") },
    ],
    [
      "a 10 KB id",
      `/v2/contacts/${"x".repeat(10 * 1024)}`,
      { status: 400, detail: PATH_PARAM("id") },
    ],
    [
      "a 10 KB id of encoded bytes",
      `/v2/contacts/${"%C3%A9".repeat(1700)}`,
      { status: 400, detail: PATH_PARAM("id") },
    ],
    ["an encoded slash alone", "/v2/contacts/%2F", { status: 404, code: "not_found" }],
    // "." and ".." cannot be external_ids (URL clients resolve them away): nothing to find.
    ["encoded dots", "/v2/contacts/%2E%2E", { status: 404, code: "not_found" }],
    ["raw dots", "/v2/contacts/..", { status: 404, code: "not_found" }],
    ["an encoded dot", "/v2/contacts/%2e", { status: 404, code: "not_found" }],
    ["a lone percent sign", "/v2/contacts/%", { status: 400, detail: "/path" }],
    ["a truncated escape", "/v2/contacts/%E0%A4%A", { status: 400, detail: "/path" }],
    ["an escape of invalid UTF-8", "/v2/contacts/%C0%AF", { status: 400, detail: "/path" }],
    ["a trailing slash", "/v2/contacts/x/", { status: 404, code: "route_not_found" }],
    ["a double slash", "/v2//contacts", { status: 404, code: "route_not_found" }],
    ["capitals", "/V2/CONTACTS", { status: 404, code: "route_not_found" }],
    ["a dot-dot segment inside", "/v2/contacts/a/../b", { status: 404, code: "route_not_found" }],
  ])("answers %s precisely, for every method", async (_name, path, want) => {
    for (const method of ["GET", "PATCH", "DELETE"]) {
      const answer = await sendRaw(method, path, { authorization: `Bearer ${ws.apiKey}` });
      expectAnswer(answer, want, `${method} ${path.slice(0, 60)}`);
    }
  });
});

describe("repeated and unknown query parameters", () => {
  const contact = "contact_01ARZ3NDEKTSV4RRFFQ69G5FAV";
  it.each<[string, Want]>([
    ["limit=1&limit=2", { status: 400, detail: "/query/limit" }],
    ["search=a&search=b", { status: 400, detail: "/query/search" }],
    [
      `starting_after=${contact}&starting_after=${contact}`,
      { status: 400, detail: "/query/starting_after" },
    ],
    [
      "include_metrics=true&include_metrics=false",
      { status: 400, detail: "/query/include_metrics" },
    ],
    ["tags=a&tags=b", { status: 200 }],
    ["tags=a&tags=b,c", { status: 400, detail: "/query/tags/1" }],
    [`tags=${Array(51).fill("a").join("&tags=")}`, { status: 400, detail: "/query/tags" }],
    ["limit=", { status: 400, detail: "/query/limit" }],
    ["foo=1", { status: 400, detail: "/query/foo" }],
    ["LIMIT=5", { status: 400, detail: "/query/LIMIT" }],
    ["limit=5&Limit=5", { status: 400, detail: "/query/Limit" }],
    ["=1", { status: 400, detail: "/query/" }],
    ["limit[]=1", { status: 400, detail: ["/query/limit", "/query/limit[]"] }],
    ["a.b=1", { status: 400, detail: "/query/a.b" }],
  ])("answers ?%s precisely", async (query, want) => {
    expectAnswer(await send(`/v2/contacts?${query}`), want, query);
  });

  it("names unknown fields and parameters by their JSON pointer (`/` as ~1, `~` as ~0, empty names)", async () => {
    const failures: string[] = [];
    const check = async (label: string, answer: Answer, path: string) => {
      const paths = (answer.json?.details ?? []).map((d) => d.path);
      if (answer.status !== 400 || !paths.includes(path)) {
        failures.push(`${label} → ${answer.status} details ${JSON.stringify(paths)}, want ${path}`);
      }
    };
    for (const [name, pointer] of [
      ["a/b", "a~1b"],
      ["a~b", "a~0b"],
      ["~1", "~01"],
      ["", ""],
    ]) {
      const body = JSON.stringify({ external_id: unique("ptr"), [name as string]: 1 });
      await check(`body field ${JSON.stringify(name)}`, await post(body), `/body/${pointer}`);
      const query = `${encodeURIComponent(name as string)}=1`;
      await check(`query ?${query}`, await send(`/v2/contacts?${query}`), `/query/${pointer}`);
    }
    expect(failures).toEqual([]);
  });

  it("refuses query parameters in bracket syntax that the spec does not declare", async () => {
    const failures: string[] = [];
    for (const query of ["[]=1", "tags[]=a", "tags[0]=a", "x[y]=1"]) {
      const answer = await send(`/v2/contacts?${query}`);
      if (answer.status !== 400)
        failures.push(`?${query} → ${answer.status} ${answer.text.slice(0, 120)}`);
    }
    expect(failures).toEqual([]);
  });

  it("answers a thousand unknown parameters with one 400 and at most 20 details", async () => {
    const query = Array.from({ length: 1000 }, (_, i) => `p${i}=1`).join("&");
    const answer = await send(`/v2/contacts?${query}`);
    expectAnswer(answer, { status: 400, detail: "/query/p0" });
    expect(answer.json?.details?.length).toBeLessThanOrEqual(20);
  });

  it.each([
    ["POST", "/v2/contacts"],
    ["GET", "/v2/contacts/x"],
    ["PATCH", "/v2/contacts/x"],
    ["DELETE", "/v2/contacts/x"],
  ])("refuses an unknown parameter on %s %s", async (method, path) => {
    const answer = await send(`${path}?unknown=1`, {
      method,
      ...(method === "POST" && {
        headers: JSON_TYPE,
        body: JSON.stringify({ external_id: unique("q") }),
      }),
    });
    expectAnswer(answer, { status: 400, detail: "/query/unknown" });
  });
});

describe("Authorization", () => {
  it.each<[string, number, (key: string) => string | undefined]>([
    ["no header", 401, () => undefined],
    ["an empty header", 401, () => ""],
    ["the scheme alone", 401, () => "Bearer"],
    ["the scheme and spaces", 401, () => "Bearer    "],
    ["the key without a scheme", 401, (key) => key],
    ["another scheme", 401, (key) => `Basic ${key}`],
    ["Token instead of Bearer", 401, (key) => `Token ${key}`],
    ["a key with a suffix", 401, (key) => `Bearer ${key}x`],
    ["a truncated key", 401, (key) => `Bearer ${key.slice(0, -1)}`],
    ["a key and a second token", 401, (key) => `Bearer ${key} ${key}`],
    ["a tab for the space", 401, (key) => `Bearer\t${key}`],
    ["a well-formed unknown key", 401, () => `Bearer ck_0123456789abcdef_${"A".repeat(43)}`],
    ["a 10 KB token", 401, () => `Bearer ${"x".repeat(10 * 1024)}`],
    ["the scheme in lower case", 200, (key) => `bearer ${key}`],
    ["the scheme in capitals", 200, (key) => `BEARER ${key}`],
  ])("%s → %i", async (_name, status, header) => {
    const value = header(ws.apiKey);
    const answer = await answerOf(
      await server.fetch("/v2/contacts", {
        headers: value === undefined ? {} : { authorization: value },
      }),
    );
    expectAnswer(answer, { status, ...(status === 401 && { code: "unauthorized" }) });
    if (status === 401) expect(answer.headers.get("www-authenticate")).toMatch(/^Bearer\b/);
  });

  it("refuses a revoked key", async () => {
    const revoked = await server.workspace();
    const keyId = keyIdOf(revoked.apiKey);
    if (!keyId) throw new Error("the test key is not well-formed");
    expect(await server.stores.apiKeys.revokeKey(keyId, Date.now())).toBe(true);
    expectAnswer(await send("/v2/contacts", {}, revoked), { status: 401, code: "unauthorized" });
  });

  it("refuses non-ASCII bytes in the header", async () => {
    const answer = await sendRaw("GET", "/v2/contacts", {
      authorization: Buffer.from(`Bearer ${ws.apiKey}é`, "latin1").toString("latin1"),
    });
    expectAnswer(answer, { status: 401, code: "unauthorized" });
  });

  it("answers two Authorization headers without a 5xx", async () => {
    const answer = await sendRaw("GET", "/v2/contacts", {
      authorization: [`Bearer ${ws.apiKey}`, "Bearer nope"],
    });
    expect([200, 400, 401]).toContain(answer.status);
  });
});

describe("methods the spec does not declare", () => {
  it.each([
    ["PUT", "/v2/contacts", "GET, HEAD, POST"],
    ["TRACE", "/v2/contacts", "GET, HEAD, POST"],
    ["POST", "/v2/contacts/x", "GET, HEAD, PATCH, DELETE"],
    ["PUT", "/v2/contacts/x", "GET, HEAD, PATCH, DELETE"],
  ])("answers %s %s with 405 and Allow", async (method, path, allow) => {
    const answer = await sendRaw(method, path, { authorization: `Bearer ${ws.apiKey}` });
    expectAnswer(answer, { status: 405, code: "method_not_allowed" });
    expect(answer.headers.get("allow")?.split(/,\s*/).sort()).toEqual(allow.split(", ").sort());
  });
});

describe("afterwards", () => {
  it("still answers, and every answer of this file conforms to the spec", async () => {
    expectAnswer(await answerOf(await server.fetch("/healthz")), { status: 200 });
    expectAnswer(await send("/v2/contacts?limit=1"), { status: 200 });
    expect(server.specProblems()).toEqual([]);
  });
});
