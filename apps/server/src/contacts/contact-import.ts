/**
 * Bulk import in the contact domain: a line's fields under the same rules as create, and batches
 * of rows applied through the store's `importBatch` (one transaction each) with the same merge
 * rules as update. The readers of files and bodies live in bulk/; this knows no formats.
 */
import { type IdGenerator, idTime } from "../ids.js";
import type { ContactFields, ContactPatch, ContactRecord } from "./contact.js";
import { applyContactPatch, sameFields } from "./contact-rules.js";
import { type NewContactInput, newContactFields } from "./contact-service.js";
import type { ContactStore, ImportMode, ImportOutcome, ImportRow } from "./contact-store.js";

/**
 * An import row from a line's fields: the create fields under create's rules (throws
 * ContactValidationError), and the fields the line has, as a merge patch for an existing contact.
 */
export function importRowOf(input: NewContactInput): ImportRow {
  const { externalId, ...fields } = newContactFields(input);
  const patch: ContactPatch = {};
  if (input.displayName !== undefined) patch.displayName = input.displayName;
  if (input.email !== undefined) patch.email = input.email;
  if (input.avatarUrl !== undefined) patch.avatarUrl = input.avatarUrl;
  if (input.tags !== undefined) patch.tags = [...input.tags];
  if (input.metadata !== undefined) patch.metadata = input.metadata;
  return { externalId, fields, patch };
}

/** An update's merge: undefined when the patch changes nothing (no version bump, no `updated`). */
export function mergeImportPatch(
  current: ContactRecord,
  patch: ContactPatch,
): ContactFields | undefined {
  const next = applyContactPatch(current, patch);
  return sameFields(current, next) ? undefined : next;
}

export interface ContactImporterDeps {
  store: Pick<ContactStore, "importBatch">;
  ids: IdGenerator;
  /** Milliseconds since the epoch. */
  now: () => number;
}

export type ContactImporter = ReturnType<typeof contactImporter>;

/** Applies batches of import rows, each in one transaction of the store. */
export function contactImporter({ store, ids, now }: ContactImporterDeps) {
  return {
    applyBatch(
      workspaceId: string,
      rows: readonly ImportRow[],
      options: { mode: ImportMode; dryRun?: boolean },
    ): Promise<ImportOutcome[]> {
      const at = now();
      return store.importBatch(workspaceId, rows, {
        mode: options.mode,
        now: at,
        dryRun: options.dryRun ?? false,
        merge: mergeImportPatch,
        newId: (after) => {
          // Ids follow time, but never fall behind the workspace's newest (another process, or
          // a clock that moved back): then one millisecond after it, as create retries.
          const id = ids.contactId(Math.max(at, after === undefined ? 0 : idTime(after)));
          return after === undefined || id > after ? id : ids.contactId(idTime(after) + 1);
        },
      });
    },
  };
}
