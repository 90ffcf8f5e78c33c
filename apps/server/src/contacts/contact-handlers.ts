import type { Contact } from "@contacts/api-types";
import { invalid } from "../http/api-error.js";
import { etagListMatches, etagOf } from "../http/etag.js";
import type { Handlers } from "../http/operations.js";
import { type IdGenerator, idTime } from "../ids.js";
import type { ContactPatch, ContactRecord, Metadata } from "./contact.js";
import {
  ContactIdNotIncreasingError,
  ContactNotFoundError,
  PreconditionFailedError,
} from "./contact-errors.js";
import {
  applyContactPatch,
  assertMetadataWithinLimits,
  assertStorableBody,
  MAX_TEXT_LENGTHS,
  normalizeContactRef,
  normalizeSearchTerm,
  normalizeTags,
  sameFields,
  toNfc,
  toNfcOrNull,
} from "./contact-rules.js";
import type { ContactStore } from "./contact-store.js";

/** Where contact resources get their `metrics` (the usage domain: usage-service.ts). */
export interface MetricsSource {
  metricsFor(
    workspaceId: string,
    contactIds: readonly string[],
  ): Promise<Map<string, Contact["metrics"]>>;
}

export interface ContactHandlerDeps {
  store: ContactStore;
  usage: MetricsSource;
  ids: IdGenerator;
  /** Milliseconds since the epoch. */
  now: () => number;
}

/** A new contact has no usage yet; orq.ai's client requires the object on every contact. */
const NO_USAGE: Contact["metrics"] = {
  total_cost: 0,
  total_tokens: 0,
  total_requests: 0,
  error_rate: 0,
};

type ContactOperations =
  | "createContact"
  | "listContacts"
  | "retrieveContact"
  | "updateContact"
  | "deleteContact";

/** The five contact operations, keyed by operationId and typed from openapi.yaml. */
export function contactHandlers({ store, usage, ids, now }: ContactHandlerDeps) {
  return {
    async createContact({ body, headers, principal }) {
      assertStorableBody(body);
      const metadata = (body.metadata ?? {}) as Metadata;
      assertMetadataWithinLimits(metadata);
      const createdAt = now();
      const key = headers["Idempotency-Key"];
      let id = ids.contactId(createdAt);
      for (let attempt = 1; ; attempt++) {
        const contact: ContactRecord = {
          id,
          workspaceId: principal.workspaceId,
          externalId: toNfc(body.external_id, "/body/external_id", MAX_TEXT_LENGTHS.externalId),
          displayName: toNfcOrNull(
            body.display_name ?? null,
            "/body/display_name",
            MAX_TEXT_LENGTHS.displayName,
          ),
          email: toNfcOrNull(body.email ?? null, "/body/email", MAX_TEXT_LENGTHS.email),
          avatarUrl: body.avatar_url ?? null,
          tags: normalizeTags(body.tags ?? []),
          metadata,
          createdAt,
          updatedAt: createdAt,
          version: 1,
        };
        const response = {
          status: 201 as const,
          body: toContactResource(contact),
          headers: { Location: `/v2/contacts/${contact.id}`, ETag: etagOf(contact) },
        };
        try {
          // With an Idempotency-Key, the stored response commits with the contact or not at all.
          await store.create(
            principal.workspaceId,
            contact,
            key ? { idempotency: { key, response } } : {},
          );
          return response;
        } catch (error) {
          // Another process made a later id in this millisecond, or the clock moved back.
          if (!(error instanceof ContactIdNotIncreasingError) || attempt >= 3) throw error;
          id = ids.contactId(Math.max(createdAt, idTime(error.newestId) + 1));
        }
      }
    },

    async listContacts({ query, principal }) {
      if (query.starting_after !== undefined && query.ending_before !== undefined) {
        throw invalid([
          { path: "/query/starting_after", message: "cannot be combined with ending_before" },
          { path: "/query/ending_before", message: "cannot be combined with starting_after" },
        ]);
      }
      const limit = query.limit ?? 10;
      // The validator coerces "1e400" to Infinity, which its integer and range checks let through.
      if (!Number.isSafeInteger(limit)) {
        throw invalid([{ path: "/query/limit", message: "must be an integer" }]);
      }
      const page = await store.list(principal.workspaceId, {
        limit,
        ...(query.starting_after !== undefined && { startingAfter: query.starting_after }),
        ...(query.ending_before !== undefined && { endingBefore: query.ending_before }),
        ...(query.search !== undefined && { search: normalizeSearchTerm(query.search) }),
        ...(query.tags !== undefined && { tags: normalizeTags(query.tags, "/query/tags") }),
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
      const contact = await store.find(principal.workspaceId, normalizeContactRef(path.id));
      if (!contact) throw new ContactNotFoundError(path.id);
      // Cache-Control stays no-store, as on every response (security-headers.ts says why): the
      // ETag serves clients that keep the contact themselves, not HTTP caches.
      const etag = { ETag: etagOf(contact) };
      const ifNoneMatch = headers["If-None-Match"];
      if (ifNoneMatch && etagListMatches(ifNoneMatch, etag.ETag, "weak")) {
        return { status: 304, headers: etag };
      }
      const metrics = await usage.metricsFor(principal.workspaceId, [contact.id]);
      return {
        status: 200,
        body: toContactResource(contact, metrics.get(contact.id)),
        headers: etag,
      };
    },

    async updateContact({ path, body = {}, headers, principal }) {
      assertStorableBody(body);
      const patch: ContactPatch = {};
      if (body.display_name !== undefined) patch.displayName = body.display_name;
      if (body.email !== undefined) patch.email = body.email;
      if (body.avatar_url !== undefined) patch.avatarUrl = body.avatar_url;
      if (body.tags !== undefined) patch.tags = body.tags;
      if (body.metadata !== undefined) patch.metadata = body.metadata as Metadata | null;
      const contact = await store.update(
        principal.workspaceId,
        normalizeContactRef(path.id),
        (current) => {
          assertIfMatch(headers["If-Match"], current, path.id);
          const next = applyContactPatch(current, patch);
          return sameFields(current, next) ? undefined : next;
        },
        now(),
      );
      if (!contact) throw new ContactNotFoundError(path.id);
      const metrics = await usage.metricsFor(principal.workspaceId, [contact.id]);
      return {
        status: 200,
        body: toContactResource(contact, metrics.get(contact.id)),
        headers: { ETag: etagOf(contact) },
      };
    },

    async deleteContact({ path, headers, principal }) {
      const deleted = await store.delete(
        principal.workspaceId,
        normalizeContactRef(path.id),
        (current) => assertIfMatch(headers["If-Match"], current, path.id),
      );
      if (!deleted) throw new ContactNotFoundError(path.id);
      return { status: 204 };
    },
  } satisfies Pick<Handlers, ContactOperations>;
}

/** Throws when an If-Match header is present and does not list the contact's current ETag. */
function assertIfMatch(ifMatch: string | undefined, current: ContactRecord, ref: string): void {
  if (ifMatch !== undefined && !etagListMatches(ifMatch, etagOf(current), "strong")) {
    throw new PreconditionFailedError(ref);
  }
}

/** The wire shape of a contact (snake_case, RFC 3339 UTC dates with milliseconds). */
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
