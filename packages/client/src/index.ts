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
  Identity,
  IdentityList,
  IdentitySortField,
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
export type {
  IdentitiesResource,
  IdentityPagePromise,
  IdentityResult,
  RetrieveIdentityOptions,
} from "./internal/identities.js";
export type { ContactPage, IdentityPage, Page, PagePromise } from "./internal/pagination.js";
export type { RequestOptions } from "./internal/request.js";
export type {
  ContactRef,
  ContactsRawClient,
  ErrorDetail,
  ETag,
  FetchLike,
  ListContactsParams,
  ListIdentitiesParams,
  RetrieveIdentityParams,
} from "./internal/types.js";

/**
 * Creates a client of the Contacts API: `client.contacts` and `client.identities` for typed calls
 * that throw typed errors, page and retry; `client.raw` for the typed openapi-fetch client.
 */
export function createContactsClient(options: ContactsClientOptions): ContactsClient {
  return buildContactsClient(options);
}
