/**
 * Type tests. `typeCases` is never run: the test below compiles this file and expects no type
 * error, so an `@ts-expect-error` whose error has gone (the types loosened) fails it, as it fails
 * `npm run typecheck`.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  ApiError,
  ConflictError,
  type Contact,
  type ContactsClient,
  type ErrorCode,
  type Identity,
  type RetrieveOptions,
} from "../src/index.js";
import { typeErrors } from "./support/typecheck.js";

export async function typeCases(client: ContactsClient, etag: string) {
  // create: the body is the spec's CreateContactRequest, and nothing else
  await client.contacts.create({ external_id: "user_1", tags: ["a"], metadata: { n: 1 } });
  // @ts-expect-error an unknown field (raw openapi-fetch would let it through)
  await client.contacts.create({ external_id: "user_1", nickname: "Jane" });
  // @ts-expect-error a wrong type
  await client.contacts.create({ external_id: 42 });
  // @ts-expect-error a missing required field
  await client.contacts.create({ display_name: "Jane" });
  // @ts-expect-error null where the spec does not allow it
  await client.contacts.create({ external_id: "user_1", tags: null });
  // @ts-expect-error an unknown option
  await client.contacts.create({ external_id: "user_1" }, { idempotency_key: "k" });

  // update: a merge patch, where null clears
  await client.contacts.update("user_1", { display_name: null, tags: null, metadata: { a: null } });
  // @ts-expect-error an immutable field
  await client.contacts.update("user_1", { external_id: "user_2" });
  // @ts-expect-error ifMatch is an ETag string
  await client.contacts.update("user_1", {}, { ifMatch: 3 });

  // list: the spec's query parameters
  await client.contacts.list({ limit: 10, tags: ["premium"], starting_after: "contact_1" });
  // @ts-expect-error a wrong query parameter type
  await client.contacts.list({ limit: "10" });
  // @ts-expect-error tags are an array, not a comma-separated string
  await client.contacts.list({ tags: "a,b" });
  // @ts-expect-error an unknown query parameter
  await client.contacts.list({ page: 2 });

  // identities: the same bodies, their own list parameters and results
  await client.identities.list({ sort_by: "IDENTITY_SORT_FIELD_UPDATED", "filter_by.tags": ["a"] });
  // @ts-expect-error sort_by is one of orq.ai's sort fields
  await client.identities.list({ sort_by: "display_name" });
  // @ts-expect-error identities filter with filter_by.tags, not tags
  await client.identities.list({ tags: ["a"] });
  for await (const identity of client.identities.list()) identity satisfies Identity;
  const identity = await client.identities.create({ external_id: "user_1" });
  identity.display_name satisfies string | undefined;
  // @ts-expect-error an identity's display_name is never null (absent instead)
  identity.display_name satisfies string | null;
  (await client.identities.retrieve("user_1", {
    query: { include_metrics: true },
  })) satisfies Identity;

  // results
  const created: Promise<Contact> = client.contacts.create({ external_id: "user_1" });
  const page = await client.contacts.list();
  page.data satisfies Contact[];
  page.has_more satisfies boolean;
  for await (const contact of client.contacts.list()) contact satisfies Contact;
  const next = await page.nextPage();
  // @ts-expect-error the last page has no next page
  next.data;
  const found = await client.contacts.retrieve("user_1");
  found satisfies Contact;
  const withEtag = await client.contacts.retrieve("user_1").withResponse();
  withEtag.etag satisfies string;
  withEtag.data satisfies Contact;
  const maybe = await client.contacts.retrieve("user_1", { ifNoneMatch: etag });
  // @ts-expect-error null when unchanged (304)
  maybe.external_id;
  const options: RetrieveOptions = {};
  // @ts-expect-error options that may hold ifNoneMatch may give null
  (await client.contacts.retrieve("user_1", options)).external_id;
  const deleted = await client.contacts.delete("user_1");
  // @ts-expect-error delete resolves to nothing
  deleted._id;
  // @ts-expect-error a method the API does not have
  await client.contacts.remove("user_1");
  // @ts-expect-error the id is a string
  await client.contacts.retrieve(1);

  // errors
  try {
    await created;
  } catch (error) {
    if (error instanceof ConflictError) error.existingId satisfies string | undefined;
    if (error instanceof ApiError) {
      error.code satisfies ErrorCode | undefined;
      // @ts-expect-error a code the spec does not declare
      error.code === "no_such_code";
    }
  }

  // raw: the typed openapi-fetch client
  await client.raw.GET("/v2/contacts/{id}", { params: { path: { id: "user_1" } } });
  // @ts-expect-error a wrong path
  await client.raw.GET("/v2/contact");
  // @ts-expect-error a wrong method for the path
  await client.raw.PUT("/v2/contacts/{id}", { params: { path: { id: "user_1" } } });
}

describe("the types", () => {
  it("reject what the spec rejects: every @ts-expect-error above still has its error", () => {
    expect(typeErrors({ [fileURLToPath(import.meta.url)]: undefined })).toEqual([]);
  });
});
