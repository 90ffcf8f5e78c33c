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
  ContactList,
  CreateContactRequest,
  components,
  ErrorCode,
  operations,
  paths,
  UpdateContactRequest,
} from "@contacts/api-types";
export type { ApiPromise, ApiResult } from "./internal/api-promise.js";
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
  TimeoutError,
  UnprocessableEntityError,
  UnsupportedMediaTypeError,
} from "./internal/errors.js";
export type { ContactPage, PagePromise } from "./internal/pagination.js";
export type { RequestOptions } from "./internal/request.js";
export type {
  ContactRef,
  ContactsRawClient,
  ContactUsageParams,
  ErrorDetail,
  ETag,
  FetchLike,
  ListContactsParams,
  RecordUsageResult,
  TopContactList,
  TopContactsParams,
  UsageEvent,
  UsageSeries,
} from "./internal/types.js";
export type { RecordUsageOptions, UsageResource } from "./internal/usage.js";

/**
 * Creates a client of the Contacts API: `client.contacts` for typed calls that throw typed
 * errors, page and retry; `client.raw` for the typed openapi-fetch client.
 */
export function createContactsClient(options: ContactsClientOptions): ContactsClient {
  return buildContactsClient(options);
}
