// The statements that write a contact on PostgreSQL, shared by the contact store (create, update),
// the usage store (a contact an event names into being) and the bulk import.
import type { ContactRecord } from "../../contacts/contact.js";
import { searchTextOf } from "../contact-rows.js";
import type { Pool, PoolClient } from "./pool.js";
import { displayNameBytes, PG_COLUMNS, pgSearchText, pgText } from "./postgres-rows.js";

export const INSERT_CONTACT = `INSERT INTO contacts (${PG_COLUMNS}, search_text)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`;

/** Inserts a contact's tags, in one statement. */
export async function insertTags(
  client: Pool | PoolClient,
  workspaceId: string,
  contactId: string,
  tags: readonly string[],
): Promise<void> {
  if (tags.length === 0) return;
  await client.query(
    `INSERT INTO contact_tags (workspace_id, tag, contact_id)
     SELECT $1, tag, $2 FROM unnest($3::text[]) AS tag`,
    [workspaceId, contactId, tags.map(pgText)],
  );
}

/**
 * Writes `next` over `current` (same contact, the row locked by the caller's transaction),
 * keeping the tag index in step when the tags changed.
 */
export async function writeContactChange(
  client: PoolClient,
  current: ContactRecord,
  next: ContactRecord,
): Promise<void> {
  await client.query(
    `UPDATE contacts SET display_name = $3, email = $4, avatar_url = $5, tags = $6,
       metadata = $7, search_text = $8, updated_at = $9, version = $10
     WHERE workspace_id = $1 AND id = $2`,
    [
      next.workspaceId,
      next.id,
      displayNameBytes(next.displayName),
      next.email,
      next.avatarUrl,
      JSON.stringify(next.tags),
      JSON.stringify(next.metadata),
      pgSearchText(searchTextOf(next)),
      next.updatedAt,
      next.version,
    ],
  );
  if (next.tags !== current.tags) {
    await client.query("DELETE FROM contact_tags WHERE workspace_id = $1 AND contact_id = $2", [
      next.workspaceId,
      next.id,
    ]);
    await insertTags(client, next.workspaceId, next.id, next.tags);
  }
}
