import type { Contact, UpdateContactRequest } from "@contacts/api-types";
import type { ContactFields, ContactPatch, JsonValue, Metadata } from "./contact.js";
import { ContactValidationError, type FieldProblem } from "./contact-errors.js";

/** Limits the schema cannot express; the rest live in openapi.yaml. */
export const MAX_METADATA_BYTES = 16 * 1024;
export const MAX_METADATA_KEYS = 50;
/** Deeper values are refused: they would only serve to exhaust recursive JSON code. */
export const MAX_METADATA_DEPTH = 32;

/**
 * Fields a contact has but an update may not send. Typed from the spec, so a new Contact field
 * fails the typecheck here until it is classified as updatable or not.
 */
const IMMUTABLE_FIELDS: Record<Exclude<keyof Contact, keyof UpdateContactRequest>, true> = {
  _id: true,
  external_id: true,
  workspace_id: true,
  metrics: true,
  created: true,
  updated: true,
};

export function isImmutableField(name: string): boolean {
  return Object.hasOwn(IMMUTABLE_FIELDS, name);
}

/**
 * Most characters (code points) of each text field; openapi.yaml states the same limits (a test
 * compares them), which the validator checks before normalization, and `toNfc` again after it.
 */
export const MAX_TEXT_LENGTHS = {
  externalId: 120,
  displayName: 256,
  email: 254,
  tag: 64,
} as const;

/**
 * Unicode: text that is compared or searched (external_id, display_name, email, tags, search
 * terms, the id in a contact's path) is taken in NFC, so that canonically equivalent spellings
 * (é as U+00E9, or e + U+0301) are one value. NFC can lengthen a few strings (U+0958 becomes two
 * code points): one that no longer fits its limit is refused. Invisible and bidi-control
 * characters are refused in external_ids and tags by the spec's patterns, before this runs.
 */
export function toNfc(text: string, path: string, maxLength: number): string {
  const normalized = text.normalize("NFC");
  if (normalized !== text && [...normalized].length > maxLength) {
    throw new ContactValidationError([
      { path, message: `must NOT have more than ${maxLength} characters in NFC` },
    ]);
  }
  return normalized;
}

/** `toNfc` for a nullable field; null (and absent) stay as they are. */
export function toNfcOrNull<T extends string | null | undefined>(
  text: T,
  path: string,
  maxLength: number,
): T {
  return (typeof text === "string" ? toNfc(text, path, maxLength) : text) as T;
}

/** Tags in NFC, repeats dropped (after normalization), keeping the first occurrence's position. */
export function normalizeTags(tags: readonly string[], path = "/body/tags"): string[] {
  return [...new Set(tags.map((tag, i) => toNfc(tag, `${path}/${i}`, MAX_TEXT_LENGTHS.tag)))];
}

/**
 * A search term as the store matches it: NFC, then String#toLowerCase, the same steps the stored
 * text went through. toLowerCase maps case one character at a time and is not case folding: `ẞ`
 * lower-cases to `ß`, but `ß` never matches `ss`; `İ` becomes `i̇` (i + U+0307), not `i`.
 */
export function normalizeSearchTerm(term: string): string {
  return term.normalize("NFC").toLowerCase();
}

/** A contact's `_id` or external_id as given in a path: in NFC, as external_ids are stored. */
export function normalizeContactRef(ref: string): string {
  return ref.normalize("NFC");
}

/**
 * Throws a 400-class error for what a round trip through JSON and SQLite would change: strings
 * or keys with lone UTF-16 surrogates (stored as U+FFFD), numbers JSON.parse could not hold
 * (1e400 parses to Infinity, stored as null), and values nested deeper than `maxDepth`. Walks
 * iteratively, so no nesting can exhaust the stack; run it before anything recursive.
 */
export function assertStorable(root: unknown, rootPath: string, maxDepth: number): void {
  const pending: [unknown, string, number][] = [[root, rootPath, 0]];
  for (let item = pending.pop(); item; item = pending.pop()) {
    const [value, path, depth] = item;
    const problem = problemWith(value, path, depth, maxDepth);
    if (problem) throw new ContactValidationError([problem]);
    if (value === null || typeof value !== "object") continue;
    for (const [key, child] of Object.entries(value)) {
      const childPath = `${path}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`;
      if (!key.isWellFormed()) {
        throw new ContactValidationError([
          { path: childPath, message: "key is not valid Unicode" },
        ]);
      }
      pending.push([child, childPath, depth + 1]);
    }
  }
}

function problemWith(
  value: unknown,
  path: string,
  depth: number,
  maxDepth: number,
): FieldProblem | undefined {
  if (typeof value === "string" && !value.isWellFormed()) {
    return { path, message: "must be valid Unicode (no lone surrogates)" };
  }
  if (typeof value === "number" && !Number.isFinite(value)) {
    return { path, message: "must be a finite number" };
  }
  if (value !== null && typeof value === "object" && depth >= maxDepth) {
    return { path, message: `must NOT be nested more than ${maxDepth} levels deep` };
  }
  return undefined;
}

/** Checks a request body: metadata values may nest MAX_METADATA_DEPTH levels below metadata. */
export function assertStorableBody(body: unknown): void {
  assertStorable(body, "/body", MAX_METADATA_DEPTH + 1);
}

/** Throws a 400-class error when metadata has too many keys or is too large serialized. */
export function assertMetadataWithinLimits(metadata: Metadata, path = "/body/metadata"): void {
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

/**
 * Applies a JSON Merge Patch (RFC 7396) to a contact's mutable fields: absent is unchanged, null
 * clears, tags are replaced whole, metadata merges key by key at every depth (null removes).
 */
export function applyContactPatch(current: ContactFields, patch: ContactPatch): ContactFields {
  const next: ContactFields = {
    displayName:
      patch.displayName === undefined
        ? current.displayName
        : toNfcOrNull(patch.displayName, "/body/display_name", MAX_TEXT_LENGTHS.displayName),
    email:
      patch.email === undefined
        ? current.email
        : toNfcOrNull(patch.email, "/body/email", MAX_TEXT_LENGTHS.email),
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
 * RFC 7396 MergePatch on metadata: objects merge key by key at every depth, null removes a key,
 * anything else (arrays included) replaces. Recursion is safe: bodies are depth-checked first.
 * Built with Object.fromEntries so keys such as `__proto__` stay plain data.
 */
function mergeMetadata(current: Metadata, patch: { [key: string]: JsonValue }): Metadata {
  return mergePatch(current, patch) as Metadata;
}

function mergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isObject(patch)) return patch;
  const merged = new Map(Object.entries(isObject(target) ? target : {}));
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) merged.delete(key);
    else merged.set(key, mergePatch(merged.get(key), value));
  }
  return Object.fromEntries(merged);
}

function isObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
