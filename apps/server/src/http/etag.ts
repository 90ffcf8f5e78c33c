import { createHash } from "node:crypto";
import type { ContactRecord } from "../contacts/contact.js";
import type { ContactMetrics } from "../usage/usage.js";

/**
 * The strong ETag of a contact's representation: its ULID and version, quoted; when the
 * representation carries non-zero `metrics`, a digest of them follows (`"<ulid>.<version>.<d>"`),
 * so If-None-Match never answers 304 over metrics that moved while the contact did not.
 */
export function etagOf(
  contact: Pick<ContactRecord, "id" | "version">,
  metrics?: ContactMetrics,
): string {
  const version = versionTag(contact);
  if (!metrics || metrics.total_requests === 0) return `"${version}"`;
  const { total_cost, total_tokens, total_requests, error_rate } = metrics;
  const digest = createHash("sha256")
    .update(`${total_cost}|${total_tokens}|${total_requests}|${error_rate}`)
    .digest("base64url")
    .slice(0, 12);
  return `"${version}.${digest}"`;
}

function versionTag(contact: Pick<ContactRecord, "id" | "version">): string {
  return `${contact.id.replace(/^contact_/, "")}.${contact.version}`;
}

/**
 * Whether an If-None-Match value lists `etag` (or is `*`), compared weakly (RFC 9110 §13.1.2):
 * the whole tag, metrics digest included.
 */
export function ifNoneMatchLists(headerValue: string, etag: string): boolean {
  return tagsOf(headerValue).some(
    (tag) => tag === "*" || tag === etag || (tag.startsWith("W/") && tag.slice(2) === etag),
  );
}

/**
 * Whether an If-Match value lists the contact's current version (or is `*`), compared strongly
 * (a weak `W/` tag never matches). A write is conditional on the contact, not on its usage: a tag
 * from any response of the current version passes, with or without a metrics digest.
 */
export function ifMatchLists(
  headerValue: string,
  contact: Pick<ContactRecord, "id" | "version">,
): boolean {
  const current = versionTag(contact);
  return tagsOf(headerValue).some((tag) => {
    if (tag === "*") return true;
    const quoted = /^"([^"]*)"$/.exec(tag)?.[1];
    if (quoted === undefined) return false;
    return quoted === current || quoted.replace(/\.[A-Za-z0-9_-]{12}$/, "") === current;
  });
}

function tagsOf(headerValue: string): string[] {
  return headerValue.split(",").map((candidate) => candidate.trim());
}
