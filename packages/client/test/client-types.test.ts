import { describe, expect, it } from "vitest";
import { type Contact, createContactsClient } from "../src/index.js";

/** Every field of a contact, spelled out: renaming one in openapi.yaml fails the typecheck here. */
export const seedContact: Contact = {
  _id: "contact_01ARZ3NDEKTSV4RRFFQ69G5FAV",
  external_id: "user_12345",
  workspace_id: "550e8400-e29b-41d4-a716-446655440000",
  display_name: "Jane Smith",
  email: "jane.smith@example.com",
  avatar_url: "https://example.com/avatars/jane-smith.jpg",
  tags: ["premium", "beta-user", "enterprise"],
  metadata: { department: "Engineering" },
  metrics: { total_cost: 0, total_tokens: 0, total_requests: 0, error_rate: 0 },
  created: "2024-01-15T10:30:00.000Z",
  updated: "2024-01-15T10:30:00.000Z",
};

// These calls are never sent: the test is that `tsc` accepts the good ones and rejects the bad
// ones. If the generated types ever loosen, an @ts-expect-error becomes unused and fails the build.
function typeChecks() {
  const client = createContactsClient({ baseUrl: "http://localhost", apiKey: "k" });
  void client.POST("/v2/contacts", { body: { external_id: "user_1", tags: ["a"] } });
  // @ts-expect-error wrong type
  void client.POST("/v2/contacts", { body: { external_id: 42 } });
  // @ts-expect-error missing required field
  void client.POST("/v2/contacts", { body: { display_name: "Jane" } });
  // @ts-expect-error wrong path
  void client.GET("/v2/contact");
  // @ts-expect-error wrong query parameter type
  void client.GET("/v2/contacts", { params: { query: { limit: "10" } } });
  void client.PATCH("/v2/contacts/{id}", {
    params: { path: { id: "user_1" } },
    body: { display_name: null, metadata: { plan: "pro", old: null } },
  });
}

describe("createContactsClient", () => {
  it("sends the API key and extra headers with every request through the given fetch", async () => {
    const seen: Request[] = [];
    const client = createContactsClient({
      baseUrl: "http://contacts.test",
      apiKey: "ck_secret",
      headers: { "X-Trace": "t1" },
      fetch: async (input) => {
        seen.push(input as Request);
        return Response.json({ object: "list", data: [], has_more: false });
      },
    });
    const { data } = await client.GET("/v2/contacts", { params: { query: { limit: 5 } } });
    expect(data).toEqual({ object: "list", data: [], has_more: false });
    const first: Contact | undefined = data?.data[0];
    expect(first).toBeUndefined();
    expect(seen).toHaveLength(1);
    expect(seen[0]?.url).toBe("http://contacts.test/v2/contacts?limit=5");
    expect(seen[0]?.headers.get("authorization")).toBe("Bearer ck_secret");
    expect(seen[0]?.headers.get("x-trace")).toBe("t1");
    expect(typeChecks).toBeTypeOf("function");
  });
});
