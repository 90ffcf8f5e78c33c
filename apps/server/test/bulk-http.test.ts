/**
 * POST /v2/contacts/import and GET /v2/contacts/export over a real server: each line judged as a
 * create would be, the outcomes of create and upsert, idempotent resends, limits, the rate limit
 * by lines, workspace scoping, the byte-identical round trip, and the client's import/export.
 */
import { createContactsClient, type ImportLineError } from "@contacts/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer, type TestWorkspace } from "./support/test-server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ importBodyLimitBytes: 256 * 1024 });
});
afterAll(() => server.close());

const ndjson = (text: string): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/x-ndjson" },
  body: text,
});
const lines = (...values: unknown[]) => values.map((v) => `${JSON.stringify(v)}\n`).join("");

async function importText(ws: TestWorkspace, text: string, mode = "create") {
  const res = await ws.fetch(`/v2/contacts/import?mode=${mode}`, ndjson(text));
  expect(res.status).toBe(200);
  return (await res.json()) as {
    created: number;
    updated: number;
    unchanged: number;
    skipped: number;
    rejected: number;
    errors: ImportLineError[];
  };
}

async function exportText(ws: TestWorkspace): Promise<string> {
  const res = await ws.fetch("/v2/contacts/export");
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
  return res.text();
}

/** Bodies a create refuses, each for a rule of the schema or of the domain. */
const BAD_BODIES: [string, string][] = [
  ["no external_id", JSON.stringify({ display_name: "x" })],
  ["empty external_id", JSON.stringify({ external_id: "" })],
  [
    "external_id shaped like an _id",
    JSON.stringify({ external_id: "contact_01ARZ3NDEKTSV4RRFFQ69G5FAV" }),
  ],
  ["external_id with a zero-width space", JSON.stringify({ external_id: "a\u200bb" })],
  ["external_id longer than 120 in NFC", JSON.stringify({ external_id: "\u0958".repeat(61) })],
  ["invalid email", JSON.stringify({ external_id: "e", email: "nope" })],
  ["ftp avatar", JSON.stringify({ external_id: "e", avatar_url: "ftp://x.example/a.png" })],
  ["display_name of 257", JSON.stringify({ external_id: "e", display_name: "d".repeat(257) })],
  ["tag with a comma", JSON.stringify({ external_id: "e", tags: ["a,b"] })],
  [
    "51 tags",
    JSON.stringify({ external_id: "e", tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }),
  ],
  ["tag of 65", JSON.stringify({ external_id: "e", tags: ["t".repeat(65)] })],
  [
    "metadata of 51 keys",
    JSON.stringify({
      external_id: "e",
      metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])),
    }),
  ],
  [
    "metadata over 16 KiB",
    JSON.stringify({ external_id: "e", metadata: { big: "x".repeat(17_000) } }),
  ],
  [
    "metadata nested too deep",
    `{"external_id":"e","metadata":{"a":${"[".repeat(40)}${"]".repeat(40)}}}`,
  ],
  ["a lone surrogate", '{"external_id":"e","display_name":"\\ud800"}'],
  ["an unknown field", JSON.stringify({ external_id: "e", nickname: "x" })],
  ["an immutable field", JSON.stringify({ external_id: "e", created: "2024-01-01T00:00:00Z" })],
  ["metadata not an object", JSON.stringify({ external_id: "e", metadata: [1] })],
  ["not an object", "42"],
];

describe("POST /v2/contacts/import", () => {
  it.each(BAD_BODIES)(
    "rejects a line with %s exactly as a create refuses it",
    async (_name, body) => {
      const ws = await server.workspace();
      const create = await ws.fetch("/v2/contacts", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      expect(create.status).toBe(400);
      const refusal = (await create.json()) as { code: string; message: string; details: unknown };
      const result = await importText(ws, `${body}\n`);
      expect(result).toMatchObject({ created: 0, rejected: 1 });
      expect(result.errors).toEqual([
        { line: 1, code: refusal.code, message: refusal.message, details: refusal.details },
      ]);
    },
  );

  it("counts each outcome, numbers every line, and is idempotent when resent", async () => {
    const ws = await server.workspace();
    const body = [
      lines({ external_id: "a", display_name: "Ann", tags: ["x", "x", "y"] }),
      "\n", // blank: not a record, but a line
      "{not json\n",
      lines({ external_id: "b", email: "bad" }),
      lines({ external_id: "c", metadata: { k: 1 } }),
      lines({ external_id: "a", display_name: "Ann again" }), // repeated: skipped under create
    ].join("");
    const first = await importText(ws, body);
    expect(first).toMatchObject({ created: 2, updated: 0, unchanged: 0, skipped: 1, rejected: 2 });
    expect(first.errors.map((e) => [e.line, e.code])).toEqual([
      [3, "malformed_json"],
      [4, "validation_failed"],
    ]);
    const exported = await exportText(ws);
    expect(exported).toBe(
      lines(
        {
          external_id: "a",
          display_name: "Ann",
          email: null,
          avatar_url: null,
          tags: ["x", "y"],
          metadata: {},
        },
        {
          external_id: "c",
          display_name: null,
          email: null,
          avatar_url: null,
          tags: [],
          metadata: { k: 1 },
        },
      ),
    );
    const again = await importText(ws, body);
    expect(again).toMatchObject({ created: 0, skipped: 3, rejected: 2 });
    expect(await exportText(ws)).toBe(exported);
  });

  it("upserts as a merge patch, keeping version and updated when nothing changes", async () => {
    const ws = await server.workspace();
    await importText(ws, lines({ external_id: "u", display_name: "U", metadata: { a: 1, b: 2 } }));
    const before = await ws.fetch("/v2/contacts/u");
    const etag = before.headers.get("etag");
    const { updated } = (await before.json()) as { updated: string };

    const same = await importText(ws, lines({ external_id: "u", display_name: "U" }), "upsert");
    expect(same).toMatchObject({ created: 0, updated: 0, unchanged: 1 });
    const after = await ws.fetch("/v2/contacts/u");
    expect(after.headers.get("etag")).toBe(etag);
    expect(((await after.json()) as { updated: string }).updated).toBe(updated);

    const changed = await importText(
      ws,
      lines(
        { external_id: "u", email: "u@example.com", metadata: { a: null, c: 3 } },
        { external_id: "new" },
      ),
      "upsert",
    );
    expect(changed).toMatchObject({ created: 1, updated: 1, unchanged: 0 });
    const merged = (await (await ws.fetch("/v2/contacts/u")).json()) as Record<string, unknown>;
    expect(merged).toMatchObject({
      display_name: "U",
      email: "u@example.com",
      metadata: { b: 2, c: 3 },
    });
    expect(await ws.fetch("/v2/contacts/u").then((r) => r.headers.get("etag"))).not.toBe(etag);

    // A merge that breaks a limit rejects that line alone.
    const tooMany = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`m${i}`, i]));
    const limits = await importText(ws, lines({ external_id: "u", metadata: tooMany }), "upsert");
    expect(limits).toMatchObject({ updated: 0, rejected: 1 });
    expect(limits.errors[0]).toMatchObject({ line: 1, code: "validation_failed" });
  });

  it("describes the first 1000 rejected lines and counts them all", async () => {
    const ws = await server.workspace();
    const result = await importText(ws, "{}\n".repeat(1005));
    expect(result.rejected).toBe(1005);
    expect(result.errors).toHaveLength(1000);
    expect(result.errors.at(-1)?.line).toBe(1000);
  });

  it("keeps each workspace's contacts to itself", async () => {
    const a = await server.workspace();
    const b = await server.workspace();
    await importText(a, lines({ external_id: "shared" }));
    expect(await exportText(b)).toBe("");
    expect(await importText(b, lines({ external_id: "shared" }))).toMatchObject({ created: 1 });
  });

  it("refuses another media type (415) and a body over its limit (413), writing nothing", async () => {
    const ws = await server.workspace();
    const json = await ws.fetch("/v2/contacts/import", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"external_id":"j"}',
    });
    expect(json.status).toBe(415);
    const big = lines({ external_id: "big", display_name: "x".repeat(200) }).repeat(1500);
    const declared = await ws.fetch("/v2/contacts/import", ndjson(big));
    expect(declared.status).toBe(413);
    expect(await exportText(ws)).toBe("");
  });

  it("charges the key's rate limit by lines: a first batch it cannot cover is a 429", async () => {
    const limited = await startTestServer({ rateLimit: { requestsPerSecond: 0.001, burst: 3 } });
    try {
      const ws = await limited.workspace();
      const many = Array.from({ length: 1000 }, (_, i) => lines({ external_id: `r${i}` })).join("");
      const refused = await ws.fetch("/v2/contacts/import", ndjson(many));
      expect(refused.status).toBe(429);
      expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
      // 250 lines (a batch) cost 2.5 requests: more than the 2 left after the request itself.
      // Then one request's token plus 50 lines (half a request) fit in what is left.
      const few = Array.from({ length: 50 }, (_, i) => lines({ external_id: `f${i}` })).join("");
      const fits = await ws.fetch("/v2/contacts/import", ndjson(few));
      expect(fits.status).toBe(200);
      // Counted in the store: the key's budget has no token left for an export request.
      const page = await limited.stores.contacts.list(ws.workspaceId, { limit: 100 });
      expect(page.contacts).toHaveLength(50);
    } finally {
      await limited.close();
    }
  });

  it("waits for the refill once a batch is written, and then imports every line", async () => {
    // 5 requests/s, burst 5: the request (1) and 1,000 lines (10) need 11, so at least 6 come
    // from the refill, 1.2 s of it.
    const limited = await startTestServer({ rateLimit: { requestsPerSecond: 5, burst: 5 } });
    try {
      const ws = await limited.workspace();
      const many = Array.from({ length: 1000 }, (_, i) => lines({ external_id: `w${i}` })).join("");
      const started = performance.now();
      const res = await ws.fetch("/v2/contacts/import", ndjson(many));
      const elapsed = performance.now() - started;
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ created: 1000, rejected: 0 });
      expect(elapsed).toBeGreaterThanOrEqual(1200);
      const page = await limited.stores.contacts.list(ws.workspaceId, { limit: 100 });
      expect(page.hasMore).toBe(true);
    } finally {
      await limited.close();
    }
  });
});

describe("GET /v2/contacts/export", () => {
  it("round-trips: export → import into an empty workspace → export gives the same bytes", async () => {
    const source = await server.workspace();
    const people = Array.from({ length: 1234 }, (_, i) => ({
      external_id: `p${i}-é`,
      ...(i % 3 === 0 && { display_name: `Person ${i}` }),
      ...(i % 5 === 0 && { email: `p${i}@example.com` }),
      ...(i % 7 === 0 && { avatar_url: `https://example.com/${i}.png` }),
      tags: i % 2 ? ["odd", `t${i % 4}`] : [],
      metadata: i % 4 ? { z: i, a: { nested: [i, "x"] } } : {},
    }));
    await importText(source, lines(...people));
    const first = await exportText(source);
    expect(first.split("\n").filter(Boolean)).toHaveLength(1234);
    const target = await server.workspace();
    expect(await importText(target, first)).toMatchObject({ created: 1234, rejected: 0 });
    expect(await exportText(target)).toBe(first);
  });

  it("streams a large export without piling up listeners on the response", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on("warning", onWarning);
    try {
      const ws = await server.workspace();
      const many = Array.from({ length: 3000 }, (_, i) => ({
        external_id: `big${i}`,
        metadata: { note: "x".repeat(200) },
      }));
      // In parts: this file's server takes import bodies of up to 256 KiB.
      for (let start = 0; start < many.length; start += 500) {
        await importText(ws, lines(...many.slice(start, start + 500)));
      }
      // A slow reader keeps the socket's buffer full, so the server waits for it many times.
      const response = await ws.fetch("/v2/contacts/export");
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      let bytes = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        bytes += value.byteLength;
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      expect(bytes).toBeGreaterThan(3000 * 200);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => w.startsWith("MaxListenersExceededWarning"))).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });
});

describe("client.contacts.import and export", () => {
  it("chunks, reports progress, numbers errors by item, and exports as an async iterable", async () => {
    const ws = await server.workspace();
    async function* items() {
      for (let i = 0; i < 2500; i++) {
        yield i === 1700 ? { external_id: "x", email: "bad" } : { external_id: `c${i}` };
      }
    }
    const progress: number[] = [];
    const result = await ws.client.contacts.import(items(), {
      chunkLines: 1000,
      onProgress: (p) => {
        progress.push(p.lines);
      },
    });
    expect(progress).toEqual([1000, 2000, 2500]);
    expect(result).toMatchObject({ lines: 2500, created: 2499, rejected: 1 });
    expect(result.errors.map((e) => [e.line, e.code])).toEqual([[1701, "validation_failed"]]);
    const exported: string[] = [];
    for await (const line of ws.client.contacts.export()) exported.push(line.external_id);
    expect(exported).toHaveLength(2499);
    expect(exported.slice(0, 2)).toEqual(["c0", "c1"]);
  });

  it("retries a chunk whose answer was lost, applying nothing twice", async () => {
    const ws = await server.workspace();
    let posts = 0;
    const client = createContactsClient({
      baseUrl: server.baseUrl,
      apiKey: ws.apiKey,
      maxRetries: 2,
      // The second request reaches the server, which applies it; its answer is then lost.
      fetch: async (request) => {
        const response = await fetch(request);
        if (request.method === "POST" && ++posts === 2) {
          await response.arrayBuffer();
          throw new TypeError("socket hang up");
        }
        return response;
      },
    });
    const result = await client.contacts.import(
      Array.from({ length: 300 }, (_, i) => ({ external_id: `r${i}` })),
      { chunkLines: 100 },
    );
    expect(posts).toBe(4);
    expect(result).toMatchObject({ lines: 300, created: 200, skipped: 100, rejected: 0 });
    expect((await exportText(ws)).split("\n").filter(Boolean)).toHaveLength(300);
  });
});
