import type { ContactFields, ContactPatch, JsonValue, Metadata } from "./contact.js";
import { ContactValidationError, type FieldProblem } from "./contact-errors.js";

/** Limits the schema cannot express; the rest live in openapi.yaml. */
export const MAX_METADATA_BYTES = 16 * 1024;
export const MAX_METADATA_KEYS = 50;
/** Deeper values are refused: they would only serve to exhaust recursive JSON code. */
export const MAX_METADATA_DEPTH = 32;

/** Drops repeated tags, keeping the first occurrence's position. */
export function normalizeTags(tags: readonly string[]): string[] {
  return [...new Set(tags)];
}

/**
 * Throws a 400-class error when metadata breaks the key-count, depth or size limit, or holds a
 * number JSON.parse could not represent (1e400 parses to Infinity and would be stored as null).
 */
export function assertMetadataWithinLimits(metadata: Metadata, path = "/body/metadata"): void {
  const problem = findUnstorableValue(metadata, path);
  if (problem) throw new ContactValidationError([problem]);
  const keys = Object.keys(metadata).length;
  if (keys > MAX_METADATA_KEYS) {
    throw new ContactValidationError([
      { path, message: `must NOT have more than ${MAX_METADATA_KEYS} keys (has ${keys})` },
    ]);
  }
  const bytes = Buffer.byteLength(JSON.stringify(metadata), "utf8");
  if (bytes > MAX_METADATA_BYTES) {
    throw new ContactValidationError([
      {
        path,
        message: `must NOT be larger than ${MAX_METADATA_BYTES} bytes serialized (is ${bytes})`,
      },
    ]);
  }
}

/** Walks the value iteratively (no recursion, whatever the nesting) for depth and non-finite numbers. */
function findUnstorableValue(root: JsonValue, rootPath: string): FieldProblem | undefined {
  const pending: [JsonValue, string, number][] = [[root, rootPath, 0]];
  for (let item = pending.pop(); item; item = pending.pop()) {
    const [value, path, depth] = item;
    if (typeof value === "number" && !Number.isFinite(value)) {
      return { path, message: "must be a finite number" };
    }
    if (value === null || typeof value !== "object") continue;
    if (depth >= MAX_METADATA_DEPTH) {
      return { path, message: `must NOT be nested more than ${MAX_METADATA_DEPTH} levels deep` };
    }
    for (const [key, child] of Object.entries(value)) {
      pending.push([
        child,
        `${path}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`,
        depth + 1,
      ]);
    }
  }
  return undefined;
}

/**
 * Applies a JSON Merge Patch (RFC 7396) to a contact's mutable fields: absent is unchanged, null
 * clears, tags are replaced whole, metadata merges key by key (null removes the key).
 */
export function applyContactPatch(current: ContactFields, patch: ContactPatch): ContactFields {
  const next: ContactFields = {
    displayName: patch.displayName === undefined ? current.displayName : patch.displayName,
    email: patch.email === undefined ? current.email : patch.email,
    avatarUrl: patch.avatarUrl === undefined ? current.avatarUrl : patch.avatarUrl,
    tags: patch.tags === undefined ? current.tags : normalizeTags(patch.tags ?? []),
    metadata:
      patch.metadata === undefined
        ? current.metadata
        : patch.metadata === null
          ? {}
          : mergeMetadata(current.metadata, patch.metadata),
  };
  if (patch.metadata) assertMetadataWithinLimits(next.metadata);
  return next;
}

/** True when the two field sets would serialize identically (a no-op patch keeps `updated`). */
export function sameFields(a: ContactFields, b: ContactFields): boolean {
  return (
    a.displayName === b.displayName &&
    a.email === b.email &&
    a.avatarUrl === b.avatarUrl &&
    JSON.stringify(a.tags) === JSON.stringify(b.tags) &&
    JSON.stringify(a.metadata) === JSON.stringify(b.metadata)
  );
}

/**
 * Top-level key-by-key merge; the metadata object is one level deep by contract, so nested values
 * are replaced whole. Built with Object.fromEntries so keys such as `__proto__` stay plain data.
 */
function mergeMetadata(current: Metadata, patch: { [key: string]: JsonValue }): Metadata {
  const merged = new Map(Object.entries(current));
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) merged.delete(key);
    else merged.set(key, value);
  }
  return Object.fromEntries(merged);
}
