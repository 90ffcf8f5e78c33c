// A contact as the stores keep it (a row of text and numbers), and the mapping to and from the domain.
import type { ContactRecord, Metadata } from "../contacts/contact.js";

export interface ContactRow {
  id: string;
  workspace_id: string;
  external_id: string;
  display_name: string | null;
  email: string | null;
  avatar_url: string | null;
  tags: string;
  metadata: string;
  created_at: number;
  updated_at: number;
  version: number;
}

export const COLUMNS =
  "id, workspace_id, external_id, display_name, email, avatar_url, tags, metadata, created_at, updated_at, version";

/** The text the search filter looks in: one field per line, lower-cased like the search term. */
export function searchTextOf(
  contact: Pick<ContactRecord, "externalId" | "displayName" | "email">,
): string {
  return [contact.externalId, contact.displayName ?? "", contact.email ?? ""]
    .join("\n")
    .toLowerCase();
}

export function toRow(contact: ContactRecord): ContactRow & { search_text: string } {
  return {
    id: contact.id,
    workspace_id: contact.workspaceId,
    external_id: contact.externalId,
    display_name: contact.displayName,
    email: contact.email,
    avatar_url: contact.avatarUrl,
    tags: JSON.stringify(contact.tags),
    metadata: JSON.stringify(contact.metadata),
    created_at: contact.createdAt,
    updated_at: contact.updatedAt,
    version: contact.version,
    search_text: searchTextOf(contact),
  };
}

export function fromRow(row: ContactRow): ContactRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    externalId: row.external_id,
    displayName: row.display_name,
    email: row.email,
    avatarUrl: row.avatar_url,
    tags: JSON.parse(row.tags) as string[],
    metadata: JSON.parse(row.metadata) as Metadata,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
  };
}
