/**
 * Every API type the client uses, derived from the generated `@contacts/api-types`: nothing about
 * the API is written here by hand, so a change to openapi.yaml that the client does not follow
 * fails its typecheck.
 */
import type { components, operations, paths } from "@contacts/api-types";
import type { Client } from "openapi-fetch";

export type Contact = components["schemas"]["Contact"];
export type ContactList =
  operations["listContacts"]["responses"][200]["content"]["application/json"];
export type Identity = components["schemas"]["Identity"];
export type IdentityList =
  operations["listIdentities"]["responses"][200]["content"]["application/json"];
/** orq.ai's identity list orders (`sort_by`). */
export type IdentitySortField = components["schemas"]["IdentitySortField"];
export type ApiErrorBody = components["schemas"]["Error"];
export type ErrorCode = ApiErrorBody["code"];
export type ErrorDetail = NonNullable<ApiErrorBody["details"]>[number];

/** The body of `create`: the request body the spec declares for `createContact`. */
export type CreateBody = operations["createContact"]["requestBody"]["content"]["application/json"];
/** The body of `update`: a JSON Merge Patch, as the spec declares for `updateContact`. */
export type UpdateBody = NonNullable<
  operations["updateContact"]["requestBody"]
>["content"]["application/json"];
/** The query parameters of `list`: page size, cursors, search and the tag filter. */
export type ListContactsParams = NonNullable<operations["listContacts"]["parameters"]["query"]>;
/** The query parameters of `identities.list`: page size, cursors, search, `filter_by.tags`, `sort_by`. */
export type ListIdentitiesParams = NonNullable<operations["listIdentities"]["parameters"]["query"]>;
/** The query parameters of `identities.retrieve`. */
export type RetrieveIdentityParams = NonNullable<
  operations["retrieveIdentity"]["parameters"]["query"]
>;
/** A contact's `_id` or its `external_id`: every single-contact operation accepts either. */
export type ContactRef = operations["retrieveContact"]["parameters"]["path"]["id"];

type HeaderOf<Op extends keyof operations> = NonNullable<operations[Op]["parameters"]["header"]>;
/** The `Idempotency-Key` header of `createContact`. */
export type IdempotencyKey = NonNullable<HeaderOf<"createContact">["Idempotency-Key"]>;
/** The `If-Match` header of `updateContact` and `deleteContact`: an ETag list or `*`. */
export type IfMatch = NonNullable<HeaderOf<"updateContact">["If-Match"]> &
  NonNullable<HeaderOf<"deleteContact">["If-Match"]>;
/** The `If-None-Match` header of `retrieveContact`. */
export type IfNoneMatch = NonNullable<HeaderOf<"retrieveContact">["If-None-Match"]>;
/** The `ETag` of a single-contact response. */
export type ETag = operations["retrieveContact"]["responses"][200]["headers"]["ETag"];

/** The typed openapi-fetch client for every path of the Contacts API. */
export type ContactsRawClient = Client<paths>;

/** The fetch the client calls: always with a `Request`. */
export type FetchLike = (input: Request) => Promise<Response>;
