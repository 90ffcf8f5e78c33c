/**
 * The contact domain service: the rules, ids and store calls behind every API surface. It knows
 * no HTTP (no statuses, headers or wire shapes); each surface's adapter maps to and from it.
 */
import { type IdGenerator, idTime } from "../ids.js";
import type { ContactFields, ContactPatch, ContactRecord, Metadata } from "./contact.js";
import {
  ContactIdNotIncreasingError,
  ContactNotFoundError,
  ContactValidationError,
  PreconditionFailedError,
} from "./contact-errors.js";
import {
  applyContactPatch,
  assertMetadataWithinLimits,
  MAX_TEXT_LENGTHS,
  normalizeContactRef,
  normalizeSearchTerm,
  normalizeTags,
  sameFields,
  toNfc,
  toNfcOrNull,
} from "./contact-rules.js";
import type { ContactOrder, ContactPage, ContactStore, TransactionHook } from "./contact-store.js";

/** A new contact's fields, as a caller gives them; absent optional fields are empty. */
export interface NewContactInput {
  externalId: string;
  displayName?: string | null | undefined;
  email?: string | null | undefined;
  avatarUrl?: string | null | undefined;
  tags?: readonly string[] | undefined;
  metadata?: Metadata | undefined;
}

/**
 * A new contact's stored fields from a caller's input, under the domain's rules: text in NFC
 * (refused if it then outgrows its limit), tags deduplicated, metadata within its limits. Throws
 * ContactValidationError. Create and bulk import both go through here.
 */
export function newContactFields(input: NewContactInput): ContactFields & { externalId: string } {
  const metadata = input.metadata ?? {};
  assertMetadataWithinLimits(metadata);
  return {
    externalId: toNfc(input.externalId, "/body/external_id", MAX_TEXT_LENGTHS.externalId),
    displayName: toNfcOrNull(
      input.displayName ?? null,
      "/body/display_name",
      MAX_TEXT_LENGTHS.displayName,
    ),
    email: toNfcOrNull(input.email ?? null, "/body/email", MAX_TEXT_LENGTHS.email),
    avatarUrl: input.avatarUrl ?? null,
    tags: normalizeTags(input.tags ?? []),
    metadata,
  };
}

/** A page request; the service checks what the store takes for granted. */
export interface ListInput {
  /** DEFAULT_PAGE_SIZE when absent. */
  limit?: number | undefined;
  startingAfter?: string | undefined;
  endingBefore?: string | undefined;
  /** Case-insensitive substring of external_id, display_name or email. */
  search?: string | undefined;
  /** Contacts having all of these tags. */
  allTags?: readonly string[] | undefined;
  /** Contacts having at least one of these tags. */
  anyTags?: readonly string[] | undefined;
  order?: ContactOrder | undefined;
}

/**
 * Whether a write may go ahead, judged on the contact as it is inside the write's transaction
 * (an adapter turns If-Match into one). False aborts the write with PreconditionFailedError.
 */
export type Precondition = (current: ContactRecord) => boolean;

export interface ContactServiceDeps {
  store: ContactStore;
  ids: IdGenerator;
  /** Milliseconds since the epoch. */
  now: () => number;
}

export type ContactService = ReturnType<typeof contactService>;

/** Page size when a caller gives none. */
export const DEFAULT_PAGE_SIZE = 10;

/** The contact operations every API surface shares. */
export function contactService({ store, ids, now }: ContactServiceDeps) {
  return {
    /**
     * Creates a contact. `withinTransaction` runs inside the insert's transaction with the stored
     * contact (an adapter completes an idempotency key there, so both commit together).
     */
    async create(
      workspaceId: string,
      input: NewContactInput,
      options: { withinTransaction?: TransactionHook | undefined } = {},
    ): Promise<ContactRecord> {
      const createdAt = now();
      const fields = { ...newContactFields(input), createdAt };
      const hook = options.withinTransaction
        ? { withinTransaction: options.withinTransaction }
        : {};
      let id = ids.contactId(createdAt);
      for (let attempt = 1; ; attempt++) {
        try {
          return await store.create(workspaceId, { id, ...fields }, hook);
        } catch (error) {
          // Another process made a later id in this millisecond, or the clock moved back: the
          // store keeps a workspace's ids increasing (its search index reads them in that order).
          if (!(error instanceof ContactIdNotIncreasingError) || attempt >= 3) throw error;
          id = ids.contactId(Math.max(createdAt, idTime(error.newestId) + 1));
        }
      }
    },

    /** A page of contacts in the asked order. */
    async list(workspaceId: string, input: ListInput): Promise<ContactPage> {
      if (input.startingAfter !== undefined && input.endingBefore !== undefined) {
        throw new ContactValidationError([
          { path: "/query/starting_after", message: "cannot be combined with ending_before" },
          { path: "/query/ending_before", message: "cannot be combined with starting_after" },
        ]);
      }
      // The validator coerces "1e400" to Infinity, which its integer and range checks let through.
      const limit = input.limit ?? DEFAULT_PAGE_SIZE;
      if (!Number.isSafeInteger(limit)) {
        throw new ContactValidationError([{ path: "/query/limit", message: "must be an integer" }]);
      }
      return store.list(workspaceId, {
        limit,
        ...(input.startingAfter !== undefined && { startingAfter: input.startingAfter }),
        ...(input.endingBefore !== undefined && { endingBefore: input.endingBefore }),
        ...(input.search !== undefined && { search: normalizeSearchTerm(input.search) }),
        ...(input.allTags !== undefined && { tags: normalizeTags(input.allTags, "/query/tags") }),
        ...(input.anyTags !== undefined && {
          anyTags: normalizeTags(input.anyTags, "/query/filter_by.tags"),
        }),
        ...(input.order !== undefined && input.order !== "newest" && { sort: input.order }),
      });
    },

    /** The contact `ref` (an `_id` or an `external_id`) names; ContactNotFoundError if none. */
    async find(workspaceId: string, ref: string): Promise<ContactRecord> {
      const contact = await store.find(workspaceId, normalizeContactRef(ref));
      if (!contact) throw new ContactNotFoundError(ref);
      return contact;
    },

    /** Applies a merge patch; a patch that changes nothing keeps `updated` and the version. */
    async update(
      workspaceId: string,
      ref: string,
      patch: ContactPatch,
      precondition?: Precondition,
    ): Promise<ContactRecord> {
      const contact = await store.update(
        workspaceId,
        normalizeContactRef(ref),
        (current) => {
          if (precondition && !precondition(current)) throw new PreconditionFailedError(ref);
          const next = applyContactPatch(current, patch);
          return sameFields(current, next) ? undefined : next;
        },
        now(),
      );
      if (!contact) throw new ContactNotFoundError(ref);
      return contact;
    },

    async delete(workspaceId: string, ref: string, precondition?: Precondition): Promise<void> {
      const deleted = await store.delete(workspaceId, normalizeContactRef(ref), (current) => {
        if (precondition && !precondition(current)) throw new PreconditionFailedError(ref);
      });
      if (!deleted) throw new ContactNotFoundError(ref);
    },
  };
}
