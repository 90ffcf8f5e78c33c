/**
 * Every API type the client uses, derived from the generated `@contacts/api-types`: nothing about
 * the API is written here by hand, so a change to openapi.yaml that the client does not follow
 * fails its typecheck. The named ones (`Contact`, `CreateContactRequest`, …) come from
 * api-types, so that editors show those names in the client's signatures.
 */
import type { operations, paths } from "@contacts/api-types";
import type { Client } from "openapi-fetch";

export type {
  ApiErrorBody,
  Contact,
  ContactList,
  ContactRef,
  CreateContactRequest,
  ErrorCode,
  ErrorDetail,
  Identity,
  IdentityList,
  IdentitySortField,
  ImportLineError,
  ImportMode,
  ImportResult,
  ListContactsParams,
  TopContactList,
  UpdateContactRequest,
  UsageEvent,
  UsageSeries,
} from "@contacts/api-types";

/** The query parameters of `identities.list`: page size, cursors, search, `filter_by.tags`, `sort_by`. */
export type ListIdentitiesParams = NonNullable<operations["listIdentities"]["parameters"]["query"]>;
/** The query parameters of `identities.retrieve`. */
export type RetrieveIdentityParams = NonNullable<
  operations["retrieveIdentity"]["parameters"]["query"]
>;

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

/** What recording usage did: events counted, duplicates skipped, contacts created. */
export type { RecordUsageResponse as RecordUsageResult } from "@contacts/api-types";
/** The query of `contacts.usage`: `from`, `to` (RFC 3339) and `granularity` (`hour`/`day`). */
export type ContactUsageParams = NonNullable<
  operations["retrieveContactUsage"]["parameters"]["query"]
>;
/** The query of `usage.top`: `by`, `from`, `to` (UTC days) and `limit`. */
export type TopContactsParams = NonNullable<operations["listTopContacts"]["parameters"]["query"]>;

/** The typed openapi-fetch client for every path of the Contacts API. */
export type ContactsRawClient = Client<paths>;

/** The fetch the client calls: always with a `Request`. */
export type FetchLike = (input: Request) => Promise<Response>;
