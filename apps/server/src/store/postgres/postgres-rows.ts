// A contact as PostgreSQL keeps it: the shared row, with the display name as UTF-8 bytes. A
// display name may hold U+0000, which PostgreSQL text refuses; bytea keeps it, and compares byte
// by byte, which is code-point order (SQLite's BINARY order of the same names).
import type { ContactRecord } from "../../contacts/contact.js";
import { type ContactRow, fromRow, toRow } from "../contact-rows.js";

export interface PostgresContactRow extends Omit<ContactRow, "display_name"> {
  display_name: Buffer | null;
}

export const PG_COLUMNS =
  "id, workspace_id, external_id, display_name, email, avatar_url, tags, metadata, created_at, updated_at, version";

export const PG_QUALIFIED_COLUMNS = PG_COLUMNS.split(", ")
  .map((column) => `c.${column}`)
  .join(", ");

/** The values of an INSERT of every column (PG_COLUMNS, then search_text), in order. */
export function insertValuesOf(contact: ContactRecord): unknown[] {
  const row = toRow(contact);
  return [
    row.id,
    row.workspace_id,
    row.external_id,
    displayNameBytes(row.display_name),
    row.email,
    row.avatar_url,
    row.tags,
    row.metadata,
    row.created_at,
    row.updated_at,
    row.version,
    pgSearchText(row.search_text),
  ];
}

export function fromPgRow(row: PostgresContactRow): ContactRecord {
  return fromRow({
    ...row,
    display_name: row.display_name === null ? null : row.display_name.toString("utf8"),
  });
}

export function displayNameBytes(name: string | null): Buffer | null {
  return name === null ? null : Buffer.from(name, "utf8");
}

/**
 * The search text without U+0000 (text refuses it): a line break takes its place. A search term
 * holds neither (control characters are refused), so no match is gained or lost.
 */
export function pgSearchText(searchText: string): string {
  return searchText.replaceAll("\u0000", "\n");
}

/**
 * Text PostgreSQL can hold, for values that are only written and compared, never read back or
 * ordered (tags in the tag index, event ids, model names): U+0000, which text refuses, becomes
 * `\0`, and a backslash is doubled, so two values stay two.
 */
export function pgText(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll("\u0000", "\\0");
}

/** Whether a ref can name a stored contact at all: external_ids hold no U+0000 (openapi.yaml). */
export function storableRef(ref: string): boolean {
  return !ref.includes("\u0000");
}
