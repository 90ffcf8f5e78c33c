/**
 * Export: every contact of a workspace in creation order (oldest first), each as an import line
 * (the create body's fields), so that importing the file into an empty workspace recreates the
 * same contacts in the same order, and exporting that gives the same bytes. Read page by page.
 */
import type { CreateContactRequest } from "@contacts/api-types";
import type { ContactRecord } from "../contacts/contact.js";
import type { ContactStore } from "../contacts/contact-store.js";

/** Contacts per read: one short read transaction each. */
const EXPORT_PAGE = 500;

/** Smaller than every contact id: the start of a walk in creation order. */
const BEFORE_EVERY_ID = `contact_${"0".repeat(26)}`;

/** A contact as an import line: every field of the create body, in one order. */
export function importLineOf(contact: ContactRecord): CreateContactRequest {
  return {
    external_id: contact.externalId,
    display_name: contact.displayName,
    email: contact.email,
    avatar_url: contact.avatarUrl,
    tags: contact.tags,
    metadata: contact.metadata,
  };
}

/** The workspace's contacts, oldest first, walking `list` forward in time. */
export async function* exportContacts(
  store: Pick<ContactStore, "list">,
  workspaceId: string,
): AsyncGenerator<ContactRecord> {
  let cursor = BEFORE_EVERY_ID;
  for (;;) {
    // `endingBefore` pages towards newer contacts; each page comes newest first.
    const page = await store.list(workspaceId, { limit: EXPORT_PAGE, endingBefore: cursor });
    for (let i = page.contacts.length - 1; i >= 0; i--) yield page.contacts[i] as ContactRecord;
    const newest = page.contacts[0];
    if (!page.hasMore || !newest) return;
    cursor = newest.id;
  }
}

/** One JSON Lines line of an import line. */
export function jsonLineOf(line: CreateContactRequest): string {
  return `${JSON.stringify(line)}\n`;
}
