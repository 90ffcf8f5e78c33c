import type { ContactFields, ContactPatch, ContactRecord } from "./contact.js";
import type { ContactValidationError } from "./contact-errors.js";

/**
 * The orders a list can take. `newest`: descending `_id` (creation order). `display_name`:
 * ascending display name in binary (code point) order, contacts without one first, ties by
 * ascending `_id`. `updated`: most recently updated first, ties by descending `_id`.
 */
export type ContactOrder = "newest" | "display_name" | "updated";

/**
 * What a list call asks for. Under `newest`, a cursor is a position (a contact id, which need not
 * exist). Under another order, it names a contact of the workspace whose sort key is looked up:
 * the store throws CursorNotFoundError when there is none.
 */
export interface ListContactsQuery {
  limit: number;
  startingAfter?: string;
  endingBefore?: string;
  /** Lower-cased substring to find in external_id, display_name or email. */
  search?: string;
  /** Contacts must carry every one of these tags. */
  tags?: string[];
  /** Contacts must carry at least one of these tags. */
  anyTags?: string[];
  /** `newest` when absent. */
  sort?: ContactOrder;
}

/**
 * Whether a list call filters (search or tags): its cost is bounded by MAX_EXAMINED_ROWS, not by
 * the page, so stores run it in turns across workspaces (store/fair-turns.ts).
 */
export function isFiltered(query: ListContactsQuery): boolean {
  return (
    query.search !== undefined || (query.tags?.length ?? 0) > 0 || (query.anyTags?.length ?? 0) > 0
  );
}

export interface ContactPage {
  /** In the query's order, whatever the direction of travel. */
  contacts: ContactRecord[];
  /** More contacts exist beyond this page in the direction of travel. */
  hasMore: boolean;
}

export interface NewContact extends ContactFields {
  id: string;
  externalId: string;
  createdAt: number;
}

/**
 * A store's open write transaction, opaque to the domain: a store over the same database (the
 * idempotency keys) given it writes inside that transaction, so both commit or neither does.
 */
export interface StoreTransaction {
  /** Which store made it; a store refuses a transaction of another kind. */
  readonly store: "sqlite" | "postgres";
}

/**
 * Runs inside a write's transaction, after the write, with the stored contact. On SQLite the
 * transaction commits when the hook returns, so the hook must issue its writes synchronously
 * (before its first await; better-sqlite3's are); the store awaits the promise after the commit.
 * On PostgreSQL the store awaits it before committing.
 */
export type TransactionHook = (
  contact: ContactRecord,
  transaction: StoreTransaction,
) => Promise<void>;

export interface CreateOptions {
  /** Writes that commit with the contact or not at all (see TransactionHook). */
  withinTransaction?: TransactionHook;
}

/** What a bulk import does with an external_id the workspace already has. */
export type ImportMode = "create" | "upsert";

/** One import line after every rule passed: external_id and fields in NFC, tags deduplicated. */
export interface ImportRow {
  externalId: string;
  /** The new contact's fields, when the workspace has no contact with this external_id. */
  fields: ContactFields;
  /** The line's own fields as a merge patch, for an existing contact under `upsert`. */
  patch: ContactPatch;
}

/** What `importBatch` did with one row, in the rows' order. */
export type ImportOutcome =
  | { kind: "created" | "updated" | "unchanged" | "skipped"; id: string }
  | { kind: "rejected"; error: ContactValidationError };

export interface ImportBatchOptions {
  mode: ImportMode;
  /** createdAt/updatedAt of every contact this batch creates or changes (ms since the epoch). */
  now: number;
  /**
   * A new contact id strictly greater than `after` (the workspace's greatest id so far, or the
   * last one this batch made; undefined for an empty workspace), and than every id it made before.
   */
  newId: (after: string | undefined) => string;
  /**
   * The existing contact's next fields under `upsert` (`patch` applied), or undefined when they
   * would not change. Pure; throws ContactValidationError to reject that row alone.
   */
  merge: (current: ContactRecord, patch: ContactPatch) => ContactFields | undefined;
  /** Work out every outcome, then roll back: nothing is written. */
  dryRun?: boolean;
}

/**
 * Storage of contacts, owned by the domain: every call is scoped to one workspace, and `ref` is
 * a contact `_id` or `external_id` (an `_id` match wins). Implementations must make a duplicate
 * external_id fail atomically with ExternalIdConflictError.
 */
export interface ContactStore {
  create(workspaceId: string, contact: NewContact, options?: CreateOptions): Promise<ContactRecord>;
  find(workspaceId: string, ref: string): Promise<ContactRecord | undefined>;
  list(workspaceId: string, query: ListContactsQuery): Promise<ContactPage>;
  /**
   * Reads the contact, asks `change` for its next fields and writes them, in one transaction.
   * `change` returns undefined for a no-op, or throws to abort (a failed precondition) with
   * nothing written. Resolves to undefined when there is no such contact.
   */
  update(
    workspaceId: string,
    ref: string,
    change: (current: ContactRecord) => ContactFields | undefined,
    now: number,
  ): Promise<ContactRecord | undefined>;
  /**
   * Resolves to false when there is no such contact. `guard` sees the contact inside the
   * transaction and may throw to keep it (a failed precondition).
   */
  delete(
    workspaceId: string,
    ref: string,
    guard?: (current: ContactRecord) => void,
  ): Promise<boolean>;
  /**
   * Applies a batch of import rows in ONE transaction (all rows' writes commit together or none
   * do), in order, so a later row sees an earlier one (a repeated external_id). For each row, by
   * its external_id in this workspace:
   * - none: insert a contact with `newId(greatest id so far)`, `fields`, version 1, created =
   *   updated = `now` → `created` (ids keep increasing within the workspace, as `create` keeps them);
   * - one, mode `create`: leave it → `skipped` (its id);
   * - one, mode `upsert`: `merge(current, patch)`; undefined → `unchanged` (no write, version and
   *   updated kept); fields → write them, updated = `now`, version + 1 → `updated`; a throw of
   *   ContactValidationError → `rejected` with it, that row unwritten, the batch goes on.
   * Any other error rolls the whole batch back and rejects. With `dryRun`, rolls back at the end.
   */
  importBatch(
    workspaceId: string,
    rows: readonly ImportRow[],
    options: ImportBatchOptions,
  ): Promise<ImportOutcome[]>;
}
