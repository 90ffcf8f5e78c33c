import { ApiPromise, type ApiResult } from "./api-promise.js";
import {
  type ContactsImportResult,
  exportContacts,
  type ImportItem,
  type ImportOptions,
  importContacts,
} from "./bulk.js";
import { ContactPage, PagePromise } from "./pagination.js";
import { type RequestOptions, send, type Transport } from "./request.js";
import { bodyOf, etagOf, headersOf, resultOf } from "./results.js";
import type {
  Contact,
  ContactRef,
  ContactUsageParams,
  CreateContactRequest,
  ETag,
  IdempotencyKey,
  IfMatch,
  IfNoneMatch,
  ListContactsParams,
  UpdateContactRequest,
  UsageSeries,
} from "./types.js";

/** A single-contact result: the contact with its ETag, to send back as `ifMatch`. */
export interface ContactResult<T = Contact> extends ApiResult<T> {
  /** The contact's current `ETag` (also on a 304). */
  etag: ETag;
}

/** Options of `create`. */
export interface CreateOptions extends RequestOptions {
  /**
   * The `Idempotency-Key` to send; by default a random UUID made once per call. Every retry of
   * the call sends the same key, so a create is never applied twice.
   */
  idempotencyKey?: IdempotencyKey | undefined;
}

/** Options of `update` and `delete`. */
export interface WriteOptions extends RequestOptions {
  /**
   * Apply only if the contact still has this ETag (from an earlier result's `withResponse()`);
   * otherwise the call fails with a `PreconditionFailedError` and nothing changes.
   */
  ifMatch?: IfMatch | undefined;
}

/** Options of `retrieve`. */
export interface RetrieveOptions extends RequestOptions {
  /**
   * An ETag you hold: if the contact still has it, the server answers 304 and the call resolves
   * to `null` (keep your copy); otherwise it resolves to the current contact.
   */
  ifNoneMatch?: IfNoneMatch | undefined;
}

/** `client.contacts`: the contacts of the API key's workspace. */
export interface ContactsResource {
  /**
   * Creates a contact. Fails with a `ConflictError` (`code` `external_id_conflict`) when the
   * workspace already has its `external_id`. Retried safely: see `CreateOptions.idempotencyKey`.
   */
  create(body: CreateContactRequest, options?: CreateOptions): ApiPromise<Contact, ContactResult>;
  /**
   * Lists contacts, newest first. Await it for the first page, or `for await` over it for every
   * matching contact across pages.
   */
  list(params?: ListContactsParams, options?: RequestOptions): PagePromise;
  /**
   * Retrieves a contact by `_id` or `external_id`. With `ifNoneMatch`, resolves to `null` when the
   * contact still has that ETag (HTTP 304). An `id` that no contact can have and that a URL would
   * turn into another route (`""`, `"."`, `".."`) rejects with a `TypeError`, unsent.
   */
  retrieve(
    id: ContactRef,
    options?: RequestOptions & { ifNoneMatch?: undefined },
  ): ApiPromise<Contact, ContactResult>;
  retrieve(
    id: ContactRef,
    options: RetrieveOptions,
  ): ApiPromise<Contact | null, ContactResult<Contact | null>>;
  /**
   * Updates a contact with JSON Merge Patch semantics (`null` clears a field or a metadata key).
   * Retried only when the connection failed before any response.
   */
  update(
    id: ContactRef,
    body: UpdateContactRequest,
    options?: WriteOptions,
  ): ApiPromise<Contact, ContactResult>;
  /** Deletes a contact. Retried only when the connection failed before any response. */
  delete(id: ContactRef, options?: WriteOptions): ApiPromise<void>;
  /**
   * Imports contacts in bulk: each item is a create body (or its JSON text), sent in chunks of up
   * to 1000 lines to `POST /v2/contacts/import`, one after the other. Bad lines are counted and
   * described (`errors`), never thrown; a failed chunk is retried safely (resending applies
   * nothing twice). Resolves to the totals; `onProgress` follows each chunk.
   */
  import(
    items: Iterable<ImportItem> | AsyncIterable<ImportItem>,
    options?: ImportOptions,
  ): Promise<ContactsImportResult>;
  /**
   * Every contact of the workspace, oldest first, as import lines (create bodies): `for await`
   * over it. Importing them into an empty workspace recreates the same contacts in the same order.
   */
  export(options?: RequestOptions): AsyncIterable<CreateContactRequest>;
  /**
   * The contact's usage in UTC buckets (default: the last 30 days, by day), every bucket of the
   * period in order, zeros included.
   */
  usage(
    id: ContactRef,
    params?: ContactUsageParams,
    options?: RequestOptions,
  ): ApiPromise<UsageSeries>;
}

/** The contacts resource over a transport. */
export function contactsResource(transport: Transport): ContactsResource {
  const { raw } = transport;

  const list = (params: ListContactsParams, options: RequestOptions): PagePromise =>
    new PagePromise(
      send(
        transport,
        {
          retry: "safe",
          attempt: ({ signal, fetch }) =>
            raw.GET("/v2/contacts", {
              params: { query: params },
              signal,
              fetch,
              ...headersOf(options),
            }),
        },
        options,
      ).then(({ data, response }) =>
        resultOf(
          new ContactPage(bodyOf(data, response), params, (next) => list(next, options)),
          response,
        ),
      ),
    );

  function retrieve(
    id: ContactRef,
    options?: RequestOptions & { ifNoneMatch?: undefined },
  ): ApiPromise<Contact, ContactResult>;
  function retrieve(
    id: ContactRef,
    options: RetrieveOptions,
  ): ApiPromise<Contact | null, ContactResult<Contact | null>>;
  function retrieve(
    id: ContactRef,
    options: RetrieveOptions = {},
  ): ApiPromise<Contact | null, ContactResult<Contact | null>> {
    const { ifNoneMatch } = options;
    const answer = withRef("retrieve", id, () =>
      send(
        transport,
        {
          retry: "safe",
          accepts: (status) => status === 304 && ifNoneMatch !== undefined,
          attempt: ({ signal, fetch }) =>
            raw.GET("/v2/contacts/{id}", {
              params: {
                path: { id },
                ...(ifNoneMatch !== undefined && { header: { "If-None-Match": ifNoneMatch } }),
              },
              signal,
              fetch,
              ...headersOf(options),
            }),
        },
        options,
      ),
    );
    return new ApiPromise(
      answer.then(({ data, response }) => ({
        ...resultOf(response.status === 304 ? null : bodyOf(data, response), response),
        etag: etagOf(response),
      })),
    );
  }

  return {
    create(body, options = {}) {
      const key = options.idempotencyKey ?? transport.hooks.randomUUID();
      // Serialized once: every attempt sends the same bytes, even if the caller changes `body`
      // while a retry waits (the server fingerprints the bytes with the key).
      const json = JSON.stringify(body);
      return contactPromise(
        send(
          transport,
          {
            retry: "safe",
            // The first attempt may still be running on the server: wait and replay it.
            alsoRetry: (error) => error.status === 409 && error.code === "idempotency_key_in_use",
            attempt: ({ signal, fetch }) =>
              raw.POST("/v2/contacts", {
                params: { header: { "Idempotency-Key": key } },
                body,
                bodySerializer: () => json,
                signal,
                fetch,
                ...headersOf(options),
              }),
          },
          options,
        ),
      );
    },

    list: (params = {}, options = {}) => list(params, options),

    import: (items, options = {}) => importContacts(transport, items, options),

    export: (options = {}) => exportContacts(transport, options),

    retrieve,

    update(id, body, options = {}) {
      const { ifMatch } = options;
      return contactPromise(
        withRef("update", id, () =>
          send(
            transport,
            {
              retry: "before-response",
              attempt: ({ signal, fetch }) =>
                raw.PATCH("/v2/contacts/{id}", {
                  params: {
                    path: { id },
                    ...(ifMatch !== undefined && { header: { "If-Match": ifMatch } }),
                  },
                  body,
                  signal,
                  fetch,
                  ...headersOf(options),
                }),
            },
            options,
          ),
        ),
      );
    },

    usage(id, params = {}, options = {}) {
      return new ApiPromise(
        send(
          transport,
          {
            retry: "safe",
            attempt: ({ signal, fetch }) =>
              raw.GET("/v2/contacts/{id}/usage", {
                params: { path: { id }, query: params },
                signal,
                fetch,
                ...headersOf(options),
              }),
          },
          options,
        ).then(({ data, response }) => resultOf(bodyOf(data, response), response)),
      );
    },

    delete(id, options = {}) {
      const { ifMatch } = options;
      return new ApiPromise(
        withRef("delete", id, () =>
          send(
            transport,
            {
              retry: "before-response",
              attempt: ({ signal, fetch }) =>
                raw.DELETE("/v2/contacts/{id}", {
                  params: {
                    path: { id },
                    ...(ifMatch !== undefined && { header: { "If-Match": ifMatch } }),
                  },
                  signal,
                  fetch,
                  ...headersOf(options),
                }),
            },
            options,
          ),
        ).then(({ response }) => resultOf(undefined, response)),
      );
    },
  };
}

/**
 * Runs `start` when `id` can name a contact; otherwise rejects with a TypeError, sending nothing.
 * Why: a URL resolves `""`, `"."` and `".."` away (`/v2/contacts/..` is `/v2/`), so the request
 * would reach another route, and its 404 must not read as "no such contact". No contact can have
 * these ids (the spec refuses them as `external_id`s); every other string is percent-encoded
 * into one path segment by openapi-fetch.
 */
function withRef<R>(method: string, id: ContactRef, start: () => Promise<R>): Promise<R> {
  const problem =
    typeof id !== "string"
      ? `must be a string (a contact's _id or external_id), got ${typeof id}`
      : id === ""
        ? "is empty; pass a contact's _id or external_id"
        : id === "." || id === ".."
          ? `"${id}" cannot be a contact's _id or external_id (a URL resolves it to another route)`
          : undefined;
  return problem === undefined
    ? start()
    : Promise.reject(new TypeError(`contacts.${method}: id ${problem}`));
}

function contactPromise(
  answer: Promise<{ data?: Contact; response: Response }>,
): ApiPromise<Contact, ContactResult> {
  return new ApiPromise(
    answer.then(({ data, response }) => ({
      ...resultOf(bodyOf(data, response), response),
      etag: etagOf(response),
    })),
  );
}
