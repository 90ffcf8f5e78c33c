/**
 * HTTP conventions the spec states in its preamble: HEAD wherever GET is, RFC 7396's own media
 * type on update, `route_not_found` for any path outside the spec (never `not_found`, which
 * means "no such contact"), and `/` leading to the docs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { specOperations } from "../src/http/operations.js";
import { loadSpec } from "../src/spec.js";
import {
  specValidator,
  startTestServer,
  type TestServer,
  type TestWorkspace,
} from "./support/test-server.js";

let server: TestServer;
let ws: TestWorkspace;
let contactId = "";

beforeAll(async () => {
  server = await startTestServer();
  ws = await server.workspace();
  const created = await ws.fetch("/v2/contacts", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ external_id: "conventions-1", metadata: { plan: "pro", seats: 3 } }),
  });
  contactId = ((await created.json()) as { _id: string })._id;
});
afterAll(() => server.close());

/** The headers that describe the representation: HEAD must give them as GET does. */
const REPRESENTATION = ["content-type", "content-length", "etag", "cache-control"];

describe("HEAD answers as GET, without a body", () => {
  const getRoutes = specOperations(loadSpec().document).filter((op) => op.method === "get");

  it("covers every GET route of the spec", () => {
    expect(getRoutes.map((op) => op.path).sort()).toEqual([
      "/v2/contacts",
      "/v2/contacts/export",
      "/v2/contacts/{id}",
      "/v2/contacts/{id}/usage",
      "/v2/identities",
      "/v2/identities/{id}",
      "/v2/usage/top",
    ]);
  });

  it.each<[string, () => string, number]>([
    ["a list", () => "/v2/contacts?limit=1", 200],
    ["a contact", () => `/v2/contacts/${contactId}`, 200],
    ["a contact's usage", () => `/v2/contacts/${contactId}/usage`, 200],
    ["the top contacts", () => "/v2/usage/top?by=cost", 200],
    ["a missing contact", () => "/v2/contacts/no_such_contact", 404],
    ["a bad parameter", () => "/v2/contacts?limit=0", 400],
  ])("on %s", async (_name, path, status) => {
    const get = await ws.fetch(path());
    const getBody = await get.text();
    const head = await ws.fetch(path(), { method: "HEAD" });
    expect(head.status).toBe(status);
    expect(get.status).toBe(status);
    expect(await head.text()).toBe("");
    expect(Number(head.headers.get("content-length"))).toBe(Buffer.byteLength(getBody));
    for (const name of REPRESENTATION) expect(head.headers.get(name)).toBe(get.headers.get(name));
    expect(head.headers.get("request-id")).toBeTruthy();
  });

  it("on the export, a stream: the same status and media type, no body", async () => {
    const get = await ws.fetch("/v2/contacts/export");
    expect((await get.text()).length).toBeGreaterThan(0);
    const head = await ws.fetch("/v2/contacts/export", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    expect(head.headers.get("content-type")).toBe(get.headers.get("content-type"));
    expect(head.headers.get("cache-control")).toBe(get.headers.get("cache-control"));
  });

  it("with the same conditions: 304 for a current ETag, 401 without a key", async () => {
    const etag = (await ws.fetch(`/v2/contacts/${contactId}`)).headers.get("etag") ?? "";
    const notModified = await ws.fetch(`/v2/contacts/${contactId}`, {
      method: "HEAD",
      headers: { "if-none-match": etag },
    });
    expect(notModified.status).toBe(304);
    const anonymous = await server.fetch("/v2/contacts", { method: "HEAD" });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toBe("Bearer");
  });
});

describe("PATCH takes application/merge-patch+json", () => {
  it("applies it with the same merge semantics as application/json", async () => {
    const res = await ws.fetch(`/v2/contacts/${contactId}`, {
      method: "PATCH",
      headers: { "content-type": "application/merge-patch+json" },
      body: JSON.stringify({ display_name: "Jane", metadata: { seats: null, region: "eu" } }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      display_name: "Jane",
      metadata: { plan: "pro", region: "eu" },
    });
  });

  it("is declared in the spec next to application/json", () => {
    const patch = loadSpec().document.paths["/v2/contacts/{id}"]?.patch as {
      requestBody: { content: Record<string, unknown> };
    };
    expect(Object.keys(patch.requestBody.content).sort()).toEqual([
      "application/json",
      "application/merge-patch+json",
    ]);
  });

  it("still validates the body (400) and refuses other types (415)", async () => {
    const invalid = await ws.fetch(`/v2/contacts/${contactId}`, {
      method: "PATCH",
      headers: { "content-type": "application/merge-patch+json" },
      body: JSON.stringify({ email: "nope" }),
    });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ details: [{ path: "/body/email" }] });
    const other = await ws.fetch(`/v2/contacts/${contactId}`, {
      method: "PATCH",
      headers: { "content-type": "application/json-patch+json" },
      body: JSON.stringify([{ op: "remove", path: "/email" }]),
    });
    expect(other.status).toBe(415);
  });
});

describe("a path outside the spec answers route_not_found, never not_found", () => {
  it.each([
    ["a base URL ending in /v2", "/v2/v2/contacts"],
    ["an empty id", "/v2/contacts/"],
    ["an id that is two segments", "/v2/contacts/a/b"],
    ["the version alone", "/v2"],
    ["the version with a slash", "/v2/"],
    ["an unknown resource", "/v2/groups"],
    ["a path outside the API", "/nope"],
  ])("%s: %s", async (_name, path) => {
    for (const method of ["GET", "POST", "PATCH", "DELETE"]) {
      const res = await ws.fetch(path, { method });
      expect(res.status, `${method} ${path}`).toBe(404);
      const body = (await res.json()) as { code: string; request_id: string };
      expect(body.code, `${method} ${path}`).toBe("route_not_found");
      expect(body.request_id).toBe(res.headers.get("request-id"));
      expect(specValidator.schemaProblems("Error", body)).toEqual([]);
    }
  });

  it("while a missing contact stays not_found", async () => {
    const res = await ws.fetch("/v2/contacts/no_such_contact");
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe("not_found");
  });
});

describe("the root", () => {
  it("redirects to the docs, with no key", async () => {
    for (const method of ["GET", "HEAD"]) {
      const res = await server.fetch("/", { method, redirect: "manual" });
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe("/docs");
    }
  });
});

it("every response of this file conforms to openapi.yaml", () => {
  expect(server.specProblems()).toEqual([]);
});
