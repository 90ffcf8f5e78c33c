/**
 * `client.identities`: the same records as `client.contacts` through /v2/identities (orq.ai's
 * current API), with the same ergonomics: positional ids, typed errors, pages to `for await`
 * under every `sort_by`, safe retries. Single results are unwrapped from `{ identity }`.
 */
import { ApiPromise } from "./api-promise.js";
import type { ContactResult, CreateOptions, RetrieveOptions, WriteOptions } from "./contacts.js";
import { IdentityPage, PagePromise } from "./pagination.js";
import { type RequestOptions, send, type Transport } from "./request.js";
import { bodyOf, etagOf, headersOf, resultOf } from "./results.js";
import type {
  ContactRef,
  CreateContactRequest,
  Identity,
  ListIdentitiesParams,
  RetrieveIdentityParams,
  UpdateContactRequest,
} from "./types.js";

/** A single-identity result: the identity with its ETag, to send back as `ifMatch`. */
export type IdentityResult<T = Identity> = ContactResult<T>;

/** Options of `identities.retrieve`: `include_metrics` and `include_budget` beside the rest. */
export interface RetrieveIdentityOptions extends RetrieveOptions {
  query?: RetrieveIdentityParams | undefined;
}

/** What `identities.list` returns: await it for a page, or `for await` every identity. */
export type IdentityPagePromise = PagePromise<IdentityPage>;

/** `client.identities`: the API key's workspace's identities (the same records as contacts). */
export interface IdentitiesResource {
  /**
   * Creates an identity. Fails with a `ConflictError` (`code` `external_id_conflict`) when the
   * workspace already has its `external_id`. Retried safely with a stable `Idempotency-Key`.
   */
  create(body: CreateContactRequest, options?: CreateOptions): ApiPromise<Identity, IdentityResult>;
  /**
   * Lists identities in the `sort_by` order (newest first by default); `filter_by.tags` keeps
   * identities with any of its tags. Await it for the first page, or `for await` over it.
   */
  list(params?: ListIdentitiesParams, options?: RequestOptions): IdentityPagePromise;
  /**
   * Retrieves an identity by `_id` or `external_id`. With `ifNoneMatch`, resolves to `null` when
   * it still has that ETag (HTTP 304).
   */
  retrieve(
    id: ContactRef,
    options?: RequestOptions & { query?: RetrieveIdentityParams; ifNoneMatch?: undefined },
  ): ApiPromise<Identity, IdentityResult>;
  retrieve(
    id: ContactRef,
    options: RetrieveIdentityOptions,
  ): ApiPromise<Identity | null, IdentityResult<Identity | null>>;
  /** Updates an identity with JSON Merge Patch semantics, as `contacts.update`. */
  update(
    id: ContactRef,
    body: UpdateContactRequest,
    options?: WriteOptions,
  ): ApiPromise<Identity, IdentityResult>;
  /** Deletes an identity. Retried only when the connection failed before any response. */
  delete(id: ContactRef, options?: WriteOptions): ApiPromise<void>;
}

/** The identities resource over a transport. */
export function identitiesResource(transport: Transport): IdentitiesResource {
  const { raw } = transport;

  const list = (params: ListIdentitiesParams, options: RequestOptions): IdentityPagePromise =>
    new PagePromise<IdentityPage>(
      send(
        transport,
        {
          retry: "safe",
          attempt: ({ signal, fetch }) =>
            raw.GET("/v2/identities", {
              params: { query: params },
              signal,
              fetch,
              ...headersOf(options),
            }),
        },
        options,
      ).then(({ data, response }) =>
        resultOf(
          new IdentityPage(bodyOf(data, response), params, (next) => list(next, options)),
          response,
        ),
      ),
    );

  function retrieve(
    id: ContactRef,
    options?: RequestOptions & { query?: RetrieveIdentityParams; ifNoneMatch?: undefined },
  ): ApiPromise<Identity, IdentityResult>;
  function retrieve(
    id: ContactRef,
    options: RetrieveIdentityOptions,
  ): ApiPromise<Identity | null, IdentityResult<Identity | null>>;
  function retrieve(
    id: ContactRef,
    options: RetrieveIdentityOptions = {},
  ): ApiPromise<Identity | null, IdentityResult<Identity | null>> {
    const { ifNoneMatch, query } = options;
    const answer = send(
      transport,
      {
        retry: "safe",
        accepts: (status) => status === 304 && ifNoneMatch !== undefined,
        attempt: ({ signal, fetch }) =>
          raw.GET("/v2/identities/{id}", {
            params: {
              path: { id },
              ...(query !== undefined && { query }),
              ...(ifNoneMatch !== undefined && { header: { "If-None-Match": ifNoneMatch } }),
            },
            signal,
            fetch,
            ...headersOf(options),
          }),
      },
      options,
    );
    return new ApiPromise(
      answer.then(({ data, response }) => ({
        ...resultOf(response.status === 304 ? null : bodyOf(data, response).identity, response),
        etag: etagOf(response),
      })),
    );
  }

  return {
    create(body, options = {}) {
      const key = options.idempotencyKey ?? transport.hooks.randomUUID();
      // Serialized once: every attempt sends the same bytes (the server fingerprints them).
      const json = JSON.stringify(body);
      return identityPromise(
        send(
          transport,
          {
            retry: "safe",
            // The first attempt may still be running on the server: wait and replay it.
            alsoRetry: (error) => error.status === 409 && error.code === "idempotency_key_in_use",
            attempt: ({ signal, fetch }) =>
              raw.POST("/v2/identities", {
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

    retrieve,

    update(id, body, options = {}) {
      const { ifMatch } = options;
      return identityPromise(
        send(
          transport,
          {
            retry: "before-response",
            attempt: ({ signal, fetch }) =>
              raw.PATCH("/v2/identities/{id}", {
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
      );
    },

    delete(id, options = {}) {
      const { ifMatch } = options;
      return new ApiPromise(
        send(
          transport,
          {
            retry: "before-response",
            attempt: ({ signal, fetch }) =>
              raw.DELETE("/v2/identities/{id}", {
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
        ).then(({ response }) => resultOf(undefined, response)),
      );
    },
  };
}

function identityPromise(
  answer: Promise<{ data?: { identity: Identity }; response: Response }>,
): ApiPromise<Identity, IdentityResult> {
  return new ApiPromise(
    answer.then(({ data, response }) => ({
      ...resultOf(bodyOf(data, response).identity, response),
      etag: etagOf(response),
    })),
  );
}
