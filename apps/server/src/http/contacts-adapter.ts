/** The /v2/contacts surface: its five operations, mapping the contact wire shape ⇄ the domain. */
import type { Contact } from "@contacts/api-types";
import type { ContactRecord } from "../contacts/contact.js";
import type { ContactService } from "../contacts/contact-service.js";
import { contactPatch, ifMatchPrecondition, newContactInput } from "./contact-input.js";
import { etagOf, ifNoneMatchLists } from "./etag.js";
import type { Handlers } from "./operations.js";

type ContactOperations =
  | "createContact"
  | "listContacts"
  | "retrieveContact"
  | "updateContact"
  | "deleteContact";

/** Where resources get their `metrics`: the usage domain (usage-service.ts), one call a page. */
export interface MetricsSource {
  metricsFor(
    workspaceId: string,
    contactIds: readonly string[],
  ): Promise<Map<string, Contact["metrics"]>>;
}

/** A contact without recorded usage; orq.ai's client requires the object on every contact. */
export const NO_USAGE: Contact["metrics"] = {
  total_cost: 0,
  total_tokens: 0,
  total_requests: 0,
  error_rate: 0,
};

/** The contact operations, keyed by operationId and typed from openapi.yaml. */
export function contactsAdapter(contacts: ContactService, usage: MetricsSource) {
  return {
    async createContact({ body, principal, idempotency }) {
      const respond = (contact: ContactRecord) => ({
        status: 201 as const,
        body: toContactResource(contact),
        headers: { Location: `/v2/contacts/${contact.id}`, ETag: etagOf(contact) },
      });
      const contact = await contacts.create(principal.workspaceId, newContactInput(body), {
        // The stored response commits with the contact or not at all.
        withinTransaction:
          idempotency &&
          ((created, transaction) => idempotency.complete(respond(created), transaction)),
      });
      return respond(contact);
    },

    async listContacts({ query, principal }) {
      const page = await contacts.list(principal.workspaceId, {
        limit: query.limit,
        startingAfter: query.starting_after,
        endingBefore: query.ending_before,
        search: query.search,
        allTags: query.tags,
      });
      const metrics = await usage.metricsFor(
        principal.workspaceId,
        page.contacts.map((contact) => contact.id),
      );
      return {
        status: 200,
        body: {
          object: "list",
          data: page.contacts.map((contact) => toContactResource(contact, metrics.get(contact.id))),
          has_more: page.hasMore,
        },
      };
    },

    async retrieveContact({ path, headers, principal }) {
      const contact = await contacts.find(principal.workspaceId, path.id);
      // Cache-Control stays no-store, as on every response (security-headers.ts says why): the
      // ETag serves clients that keep the contact themselves, not HTTP caches.
      // The tag covers the metrics too, so they are read before a 304 is decided.
      const metrics = (await usage.metricsFor(principal.workspaceId, [contact.id])).get(contact.id);
      const etag = { ETag: etagOf(contact, metrics) };
      const ifNoneMatch = headers["If-None-Match"];
      if (ifNoneMatch && ifNoneMatchLists(ifNoneMatch, etag.ETag)) {
        return { status: 304, headers: etag };
      }
      return { status: 200, body: toContactResource(contact, metrics), headers: etag };
    },

    async updateContact({ path, body, headers, principal }) {
      const contact = await contacts.update(
        principal.workspaceId,
        path.id,
        contactPatch(body),
        ifMatchPrecondition(headers["If-Match"]),
      );
      const metrics = (await usage.metricsFor(principal.workspaceId, [contact.id])).get(contact.id);
      return {
        status: 200,
        body: toContactResource(contact, metrics),
        headers: { ETag: etagOf(contact, metrics) },
      };
    },

    async deleteContact({ path, headers, principal }) {
      await contacts.delete(
        principal.workspaceId,
        path.id,
        ifMatchPrecondition(headers["If-Match"]),
      );
      return { status: 204 };
    },
  } satisfies Pick<Handlers, ContactOperations>;
}

/** The wire shape of a contact (snake_case, nulls for absent fields, dates with milliseconds). */
export function toContactResource(
  contact: ContactRecord,
  metrics: Contact["metrics"] = NO_USAGE,
): Contact {
  return {
    _id: contact.id,
    external_id: contact.externalId,
    workspace_id: contact.workspaceId,
    display_name: contact.displayName,
    email: contact.email,
    avatar_url: contact.avatarUrl,
    tags: contact.tags,
    metadata: contact.metadata,
    metrics,
    created: new Date(contact.createdAt).toISOString(),
    updated: new Date(contact.updatedAt).toISOString(),
  };
}
