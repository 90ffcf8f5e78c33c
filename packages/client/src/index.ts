/**
 * `@contacts/client`: the typed client of the Contacts API. Everything here is derived from
 * openapi.yaml through `@contacts/api-types`.
 */
import {
  buildContactsClient,
  type ContactsClient,
  type ContactsClientOptions,
} from "./internal/client.js";

export type {
  ApiErrorBody,
  Contact,
  ContactId,
  ContactList,
  ContactMetrics,
  ContactRef,
  CreateContactRequest,
  components,
  ErrorCode,
  ErrorDetail,
  ExternalId,
  Identity,
  IdentityList,
  IdentitySortField,
  ImportLineError,
  ImportMode,
  ImportResult,
  ListContactsParams,
  Metadata,
  operations,
  paths,
  Tag,
  UpdateContactRequest,
} from "@contacts/api-types";
export type { ApiPromise, ApiResult } from "./internal/api-promise.js";
export type {
  ContactsImportProgress,
  ContactsImportResult,
  ImportItem,
  ImportOptions,
} from "./internal/bulk.js";
export type { ContactsClient, ContactsClientOptions } from "./internal/client.js";
export type {
  ContactResult,
  ContactsResource,
  CreateOptions,
  RetrieveOptions,
  WriteOptions,
} from "./internal/contacts.js";
export {
  AbortError,
  ApiError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  ContactsError,
  InternalServerError,
  NotFoundError,
  PayloadTooLargeError,
  PreconditionFailedError,
  RateLimitError,
  RouteNotFoundError,
  ServiceUnavailableError,
  TimeoutError,
  UnprocessableEntityError,
  UnsupportedMediaTypeError,
} from "./internal/errors.js";
export type {
  IdentitiesResource,
  IdentityPagePromise,
  IdentityResult,
  RetrieveIdentityOptions,
} from "./internal/identities.js";
export type { Logger, LogLevel } from "./internal/logging.js";
export type { ContactPage, IdentityPage, Page, PagePromise } from "./internal/pagination.js";
export type { RequestOptions } from "./internal/request.js";
export type {
  ContactsRawClient,
  ContactUsageParams,
  ETag,
  FetchLike,
  ListIdentitiesParams,
  RecordUsageResult,
  RetrieveIdentityParams,
  TopContactList,
  TopContactsParams,
  UsageEvent,
  UsageSeries,
} from "./internal/types.js";
export type { RecordUsageOptions, UsageResource } from "./internal/usage.js";
export { VERSION } from "./internal/version.js";

/**
 * Creates a client of the Contacts API: `client.contacts` and `client.identities` for typed calls
 * that throw typed errors, page and retry, `client.usage` to record and read usage; `client.raw`
 * for the typed openapi-fetch client. In Node, `baseUrl` and `apiKey` default to the
 * `CONTACTS_BASE_URL` and `CONTACTS_API_KEY` environment variables. Throws a TypeError at once
 * for a missing or malformed `baseUrl` or `apiKey`.
 */
export function createContactsClient(options: ContactsClientOptions = {}): ContactsClient {
  return buildContactsClient(options);
}
