/**
 * What an editor shows on hover: the API's named types (`Contact`, `CreateContactRequest`,
 * `ListContactsParams`…), not generated paths like `components["schemas"]["Contact"]` nor an
 * expanded object type.
 */
import { describe, expect, it } from "vitest";
import { hovers } from "./support/typecheck.js";

const SOURCE = `import { createContactsClient } from "@contacts/client";
const client = createContactsClient({ baseUrl: "http://localhost:3000", apiKey: "k" });
const /*hover*/created = await client.contacts.create({ external_id: "x" });
client.contacts./*hover*/create;
client.contacts./*hover*/list;
client.contacts./*hover*/retrieve;
client.contacts./*hover*/update;
const /*hover*/page = await client.contacts.list();
const /*hover*/data = page.data;
for await (const /*hover*/contact of client.contacts.list()) contact;
`;

describe("hovers", () => {
  it("name the API's types", () => {
    const shown = hovers(SOURCE);
    expect(shown).toEqual([
      "const created: Contact",
      "(method) ContactsResource.create(body: CreateContactRequest, options?: CreateOptions): ApiPromise<Contact, ContactResult>",
      "(method) ContactsResource.list(params?: ListContactsParams, options?: RequestOptions): PagePromise",
      expect.stringContaining("retrieve(id: ContactRef, options?:"),
      "(method) ContactsResource.update(id: ContactRef, body: UpdateContactRequest, options?: WriteOptions): ApiPromise<Contact, ContactResult>",
      "const page: ContactPage",
      "const data: Contact[]",
      "const contact: Contact",
    ]);
    expect(shown.join("\n")).not.toContain("components[");
  });
});
