import { describe, expect, it } from "vitest";
import type { Contact, ContactsClient, ListContactsParams, RequestOptions } from "../src/index.js";
import { contact, json, scriptedFetch, testClient } from "./support/fake-fetch.js";

/** A fake list endpoint over `contacts` (newest first), paging as the real one does. */
function listEndpoint(contacts: Contact[]) {
  return (request: Request) => {
    const query = new URL(request.url).searchParams;
    const limit = Number(query.get("limit") ?? 10);
    const tags = query.getAll("tags");
    const matching = contacts.filter((c) => tags.every((t) => c.tags.includes(t)));
    const after = query.get("starting_after");
    const before = query.get("ending_before");
    let page: Contact[];
    let hasMore: boolean;
    if (before !== null) {
      const end = matching.findIndex((c) => c._id === before);
      page = matching.slice(Math.max(0, end - limit), end);
      hasMore = end - limit > 0;
    } else {
      const start = after === null ? 0 : matching.findIndex((c) => c._id === after) + 1;
      page = matching.slice(start, start + limit);
      hasMore = start + limit < matching.length;
    }
    return json(200, { object: "list", data: page, has_more: hasMore });
  };
}

describe("list", () => {
  const contacts = Array.from({ length: 25 }, (_, i) =>
    contact({ tags: i % 2 === 0 ? ["even"] : ["odd"] }),
  ).reverse();
  const endpoint = () => scriptedFetch(...Array.from({ length: 10 }, () => listEndpoint(contacts)));

  it.each<[string, { params: ListContactsParams; want: Contact[] }]>([
    ["every contact, 10 a page", { params: { limit: 10 }, want: contacts }],
    ["a page size that divides the total", { params: { limit: 5 }, want: contacts }],
    ["one page", { params: { limit: 50 }, want: contacts }],
    [
      "a tag filter, kept on every page",
      { params: { limit: 4, tags: ["even"] }, want: contacts.filter((c) => c.tags[0] === "even") },
    ],
    [
      "from a cursor on",
      { params: { limit: 10, starting_after: contacts[19]?._id ?? "" }, want: contacts.slice(20) },
    ],
    ["nothing", { params: { tags: ["none"] }, want: [] }],
  ])("iterates %s with for await", async (_name, { params, want }) => {
    const { fetch, sent } = endpoint();
    const { client } = testClient(fetch);
    expect(await listAll(client, params)).toEqual(want);
    expect(sent.length).toBe(Math.max(1, Math.ceil(want.length / (params.limit ?? 10))));
    for (const { url } of sent) {
      if (params.tags) expect(new URL(url).searchParams.getAll("tags")).toEqual(params.tags);
    }
  });

  it("resolves to the first page, which fetches the next ones", async () => {
    const { fetch, sent } = endpoint();
    const { client } = testClient(fetch);
    const first = await client.contacts.list({ limit: 10 });
    expect(first).toMatchObject({ object: "list", has_more: true, data: contacts.slice(0, 10) });
    expect(JSON.parse(JSON.stringify(first))).toEqual({
      object: "list",
      data: contacts.slice(0, 10),
      has_more: true,
    });
    expect(first.hasNextPage()).toBe(true);
    expect(first.nextPageParams()).toEqual({ limit: 10, starting_after: contacts[9]?._id });
    const second = await first.nextPage();
    expect(second?.data).toEqual(contacts.slice(10, 20));
    const third = await second?.nextPage();
    expect(third?.data).toEqual(contacts.slice(20));
    expect(third?.hasNextPage()).toBe(false);
    expect(await third?.nextPage()).toBeNull();
    expect(sent).toHaveLength(3);
  });

  it("walks pages with iterPages, and backwards from ending_before", async () => {
    const { fetch } = endpoint();
    const { client } = testClient(fetch);
    const pages: string[][] = [];
    const last = await client.contacts.list({ limit: 10, ending_before: contacts[24]?._id ?? "" });
    for await (const page of last.iterPages()) pages.push(page.data.map((c) => c._id));
    expect(pages).toEqual([
      contacts.slice(14, 24).map((c) => c._id),
      contacts.slice(4, 14).map((c) => c._id),
      contacts.slice(0, 4).map((c) => c._id),
    ]);
  });

  it("iterates a page already awaited from that page on", async () => {
    const { fetch } = endpoint();
    const { client } = testClient(fetch);
    const first = await client.contacts.list({ limit: 10 });
    const seen: Contact[] = [];
    for await (const c of first) seen.push(c);
    expect(seen).toEqual(contacts);
  });

  it("stops fetching when the loop stops", async () => {
    const { fetch, sent } = endpoint();
    const { client } = testClient(fetch);
    for await (const c of client.contacts.list({ limit: 10 })) {
      if (c._id === contacts[12]?._id) break;
    }
    expect(sent).toHaveLength(2);
  });

  it("sends the call's options with every page", async () => {
    const { fetch, sent } = endpoint();
    const { client } = testClient(fetch);
    await listAll(client, { limit: 10 }, { headers: { "x-trace": "t1" } });
    expect(sent.map((s) => s.headers.get("x-trace"))).toEqual(["t1", "t1", "t1"]);
  });

  it("gives the response of the first page with withResponse()", async () => {
    const { fetch } = endpoint();
    const { client } = testClient(fetch);
    const { data, response, requestId } = await client.contacts.list().withResponse();
    expect(data.data).toHaveLength(10);
    expect(response.status).toBe(200);
    expect(requestId).toBe("req_test");
  });
});

async function listAll(
  client: ContactsClient,
  params: ListContactsParams,
  options?: RequestOptions,
): Promise<Contact[]> {
  const all: Contact[] = [];
  for await (const c of client.contacts.list(params, options)) all.push(c);
  return all;
}
