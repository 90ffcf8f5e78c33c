import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

it("creates and lists", async () => {
  const ws = await server.workspace();
  const created = await ws.client.POST("/v2/contacts", {
    body: { external_id: "u1", tags: ["a", "b"] },
  });
  expect(created.response.status).toBe(201);
  const listed = await ws.client.GET("/v2/contacts", { params: { query: { tags: ["a", "b"] } } });
  expect(listed.data?.data).toHaveLength(1);
  const bad = await ws.fetch("/v2/contacts", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{",
  });
  expect(bad.status).toBe(400);
  expect(server.specProblems()).toEqual([]);
});
