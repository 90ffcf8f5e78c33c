import type { ContactRecord } from "../contacts/contact.js";

/** The strong ETag of a contact's current version: its ULID and version, quoted. */
export function etagOf(contact: Pick<ContactRecord, "id" | "version">): string {
  return `"${contact.id.replace(/^contact_/, "")}.${contact.version}"`;
}

/**
 * Whether an If-Match / If-None-Match value lists `etag` (or is `*`). If-Match compares strongly
 * (a weak `W/` tag never matches); If-None-Match weakly (RFC 9110 §13.1).
 */
export function etagListMatches(
  headerValue: string,
  etag: string,
  comparison: "strong" | "weak",
): boolean {
  return headerValue.split(",").some((candidate) => {
    const tag = candidate.trim();
    if (tag === "*") return true;
    if (tag.startsWith("W/")) return comparison === "weak" && tag.slice(2) === etag;
    return tag === etag;
  });
}
