/**
 * The /v2/identities surface (orq.ai's current API): the same contact domain as /v2/contacts in
 * the identity wire shape — `{ identity }` wrappers, absent fields omitted instead of null,
 * `metrics` only on request, an any-of tag filter, sorted lists, and `200 {}` on delete.
 */
import type { Identity, IdentitySortField } from "@contacts/api-types";
import type { ContactRecord } from "../contacts/contact.js";
import { ContactNotFoundError, PreconditionFailedError } from "../contacts/contact-errors.js";
import type { ContactService } from "../contacts/contact-service.js";
import type { ContactOrder } from "../contacts/contact-store.js";
import { ApiError } from "./api-error.js";
import { contactPatch, ifMatchPrecondition, newContactInput } from "./contact-input.js";
import { type MetricsSource, NO_USAGE } from "./contacts-adapter.js";
import { etagOf, ifNoneMatchLists } from "./etag.js";
import type { Handlers } from "./operations.js";

type IdentityOperations =
  | "createIdentity"
  | "listIdentities"
  | "retrieveIdentity"
  | "updateIdentity"
  | "deleteIdentity";

/** orq.ai's sort fields, as the domain's orders. */
const ORDERS: Record<IdentitySortField, ContactOrder> = {
  IDENTITY_SORT_FIELD_UNSPECIFIED: "newest",
  IDENTITY_SORT_FIELD_DISPLAY_NAME: "display_name",
  IDENTITY_SORT_FIELD_UPDATED: "updated",
};

/** The identity operations, keyed by operationId and typed from openapi.yaml. */
export function identitiesAdapter(service: ContactService, usage: MetricsSource) {
  const contacts = inIdentityTerms(service);
  /** Each contact's metrics when asked for (one call a page), else none. */
  const metricsOf = async (workspaceId: string, list: readonly ContactRecord[], wanted: boolean) =>
    wanted
      ? usage.metricsFor(
          workspaceId,
          list.map((contact) => contact.id),
        )
      : undefined;
  return {
    async createIdentity({ body, principal, idempotency }) {
      const respond = (contact: ContactRecord) => ({
        status: 201 as const,
        body: { identity: toIdentity(contact) },
        headers: { Location: `/v2/identities/${contact.id}`, ETag: etagOf(contact) },
      });
      const contact = await contacts.create(principal.workspaceId, newContactInput(body), {
        // The stored response commits with the identity or not at all.
        withinTransaction:
          idempotency &&
          ((created, transaction) => idempotency.complete(respond(created), transaction)),
      });
      return respond(contact);
    },

    async listIdentities({ query, principal }) {
      const tags = query["filter_by.tags"];
      const page = await contacts.list(principal.workspaceId, {
        limit: query.limit,
        startingAfter: query.starting_after,
        endingBefore: query.ending_before,
        search: query.search,
        anyTags: tags && tags.length > 0 ? tags : undefined,
        order: ORDERS[query.sort_by ?? "IDENTITY_SORT_FIELD_UNSPECIFIED"],
      });
      const metrics = await metricsOf(
        principal.workspaceId,
        page.contacts,
        query.include_metrics === true,
      );
      return {
        status: 200,
        body: {
          object: "list",
          data: page.contacts.map((contact) =>
            toIdentity(contact, metrics && (metrics.get(contact.id) ?? NO_USAGE)),
          ),
          has_more: page.hasMore,
        },
      };
    },

    async retrieveIdentity({ path, query, headers, principal }) {
      const contact = await contacts.find(principal.workspaceId, path.id);
      // Cache-Control stays no-store, as on every response (security-headers.ts says why).
      // With metrics in the representation, the tag covers them: read before a 304 is decided.
      const found = await metricsOf(
        principal.workspaceId,
        [contact],
        query.include_metrics === true,
      );
      const metrics = found && (found.get(contact.id) ?? NO_USAGE);
      const etag = { ETag: etagOf(contact, metrics) };
      const ifNoneMatch = headers["If-None-Match"];
      if (ifNoneMatch && ifNoneMatchLists(ifNoneMatch, etag.ETag)) {
        return { status: 304, headers: etag };
      }
      return { status: 200, body: { identity: toIdentity(contact, metrics) }, headers: etag };
    },

    async updateIdentity({ path, body, headers, principal }) {
      const contact = await contacts.update(
        principal.workspaceId,
        path.id,
        contactPatch(body),
        ifMatchPrecondition(headers["If-Match"]),
      );
      return {
        status: 200,
        body: { identity: toIdentity(contact) },
        headers: { ETag: etagOf(contact) },
      };
    },

    async deleteIdentity({ path, headers, principal }) {
      await contacts.delete(
        principal.workspaceId,
        path.id,
        ifMatchPrecondition(headers["If-Match"]),
      );
      return { status: 200, body: {} };
    },
  } satisfies Pick<Handlers, IdentityOperations>;
}

/**
 * The wire shape of an identity: orq.ai's SDK rejects `null` in its optional strings, so an
 * absent display name, email or avatar is left out; `metrics` only when asked for.
 */
export function toIdentity(contact: ContactRecord, metrics?: Identity["metrics"]): Identity {
  return {
    _id: contact.id,
    external_id: contact.externalId,
    workspace_id: contact.workspaceId,
    ...(contact.displayName !== null && { display_name: contact.displayName }),
    ...(contact.email !== null && { email: contact.email }),
    ...(contact.avatarUrl !== null && { avatar_url: contact.avatarUrl }),
    tags: contact.tags,
    metadata: contact.metadata,
    ...(metrics && { metrics }),
    created: new Date(contact.createdAt).toISOString(),
    updated: new Date(contact.updatedAt).toISOString(),
  };
}

/**
 * The service with its errors worded for this surface ("Identity not found"), same codes and
 * statuses as on contacts.
 */
function inIdentityTerms(service: ContactService): ContactService {
  const reword = (error: unknown): never => {
    if (error instanceof ContactNotFoundError) {
      throw new ApiError(404, "not_found", `Identity not found: ${error.ref}`);
    }
    if (error instanceof PreconditionFailedError) {
      throw new ApiError(
        412,
        "precondition_failed",
        `Identity ${error.ref} does not match If-Match: it changed since it was read`,
      );
    }
    throw error;
  };
  return {
    create: (...args) => service.create(...args).catch(reword),
    list: (...args) => service.list(...args).catch(reword),
    find: (...args) => service.find(...args).catch(reword),
    update: (...args) => service.update(...args).catch(reword),
    delete: (...args) => service.delete(...args).catch(reword),
  };
}
