/**
 * Types of the Contacts API, generated from openapi.yaml (see ./generated/schema.ts), under the
 * names users see. Object schemas are interfaces extending the generated types rather than type
 * aliases: editors show an alias of an indexed type expanded (`{ _id: …; … }`) but an interface
 * by its name (`Contact`). Nothing is restated: each is exactly its generated type.
 */
export type { components, operations, paths } from "./generated/schema.js";

import type { components, operations } from "./generated/schema.js";

type Schemas = components["schemas"];
type ContactSchema = Schemas["Contact"];
type CreateContactSchema = Schemas["CreateContactRequest"];
type UpdateContactSchema = Schemas["UpdateContactRequest"];
type ContactListSchema = Schemas["ContactList"];
type MetricsSchema = Schemas["Metrics"];
type ErrorSchema = Schemas["Error"];
type UsageEventSchema = Schemas["UsageEvent"];
type RecordUsageRequestSchema = Schemas["RecordUsageRequest"];
type RecordUsageResponseSchema = Schemas["RecordUsageResponse"];
type UsageBucketSchema = Schemas["UsageBucket"];
type UsageSeriesSchema = Schemas["UsageSeries"];
type TopContactSchema = Schemas["TopContact"];
type TopContactListSchema = Schemas["TopContactList"];
type IdentitySchema = Schemas["Identity"];
type IdentityResponseSchema = Schemas["IdentityResponse"];
type IdentityListSchema = Schemas["IdentityList"];
type ImportResultSchema = Schemas["ImportResult"];
type ImportLineErrorSchema = Schemas["ImportLineError"];
type ListContactsQuery = NonNullable<operations["listContacts"]["parameters"]["query"]>;

/** A user of the customer's system, as the API returns it. */
export interface Contact extends ContactSchema {}
/** The body of `POST /v2/contacts`. */
export interface CreateContactRequest extends CreateContactSchema {}
/** The body of `PATCH /v2/contacts/{id}`: a JSON Merge Patch of the contact's mutable fields. */
export interface UpdateContactRequest extends UpdateContactSchema {}
/** A page of contacts: `{ object: "list", data, has_more }`. */
export interface ContactList extends ContactListSchema {
  data: Contact[];
}
/** The query parameters of `GET /v2/contacts`: page size, cursors, search and the tag filter. */
export interface ListContactsParams extends ListContactsQuery {}
/** A contact's usage figures. */
export interface ContactMetrics extends MetricsSchema {}
/** The one error shape of the API. */
export interface ApiErrorBody extends ErrorSchema {}

/** What `POST /v2/contacts/import` did: counts per outcome and the first rejected lines. */
export interface ImportResult extends ImportResultSchema {
  errors: ImportLineError[];
}
/** One rejected import line: its number, and the error a create of it would answer. */
export interface ImportLineError extends ImportLineErrorSchema {}
/** What an import does with an `external_id` the workspace already has. */
export type ImportMode = NonNullable<
  NonNullable<operations["importContacts"]["parameters"]["query"]>["mode"]
>;

/** A contact's `_id`: `contact_` + a ULID. */
export type ContactId = Schemas["ContactId"];
/** A contact's id in the customer's own system; unique per workspace. */
export type ExternalId = Schemas["ExternalId"];
/** A contact's `_id` or its `external_id`: every single-contact operation accepts either. */
export type ContactRef = operations["retrieveContact"]["parameters"]["path"]["id"];
/** One tag. */
export type Tag = Schemas["Tag"];
/** A contact's custom metadata: key-value pairs of any JSON values. */
export type Metadata = Schemas["Metadata"];
/** The stable, machine-readable code of an error. */
export type ErrorCode = ApiErrorBody["code"];
/** One failing field of an error: its JSON pointer and what is wrong. */
export type ErrorDetail = NonNullable<ApiErrorBody["details"]>[number];
/** One attributed call, as `POST /v2/usage` takes it. */
export interface UsageEvent extends UsageEventSchema {}
/** The body of `POST /v2/usage`: 1–1000 events. */
export interface RecordUsageRequest extends RecordUsageRequestSchema {}
/** What recording usage did: events counted, duplicates skipped, contacts created. */
export interface RecordUsageResponse extends RecordUsageResponseSchema {}
/** One UTC hour or day of a contact's usage. */
export interface UsageBucket extends UsageBucketSchema {}
/** A contact's usage, bucket by bucket: `{ object: "list", data }`. */
export interface UsageSeries extends UsageSeriesSchema {}
/** A contact and its totals over a period. */
export interface TopContact extends TopContactSchema {}
/** The workspace's top contacts for a period: `{ object: "list", data }`. */
export interface TopContactList extends TopContactListSchema {}
/** A contact in the shape of orq.ai's identities API (absent fields omitted, not null). */
export interface Identity extends IdentitySchema {}
/** `{ identity }`: one identity, as the identities API wraps it. */
export interface IdentityResponse extends IdentityResponseSchema {}
/** A page of identities: `{ object: "list", data, has_more }`. */
export interface IdentityList extends IdentityListSchema {
  data: Identity[];
}
/** orq.ai's identity list orders (`sort_by`). */
export type IdentitySortField = Schemas["IdentitySortField"];
