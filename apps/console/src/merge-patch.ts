// The JSON Merge Patch (RFC 7396) that turns one metadata object into another: what changed, at
// every depth, with null for each removed key. The server merges at every depth, so a patch that
// sent whole objects would keep sub-keys the person removed.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is { [key: string]: Json } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The patch from `before` to `after`, or undefined when they are equal. */
export function mergePatchOf(
  before: { [key: string]: Json },
  after: { [key: string]: Json },
): { [key: string]: Json } | undefined {
  const patch: { [key: string]: Json } = {};
  for (const key of Object.keys(before)) {
    if (!Object.hasOwn(after, key)) patch[key] = null;
  }
  for (const [key, value] of Object.entries(after)) {
    const old = before[key];
    if (isObject(old) && isObject(value)) {
      const inner = mergePatchOf(old, value);
      if (inner !== undefined) patch[key] = inner;
    } else if (!Object.hasOwn(before, key) || JSON.stringify(old) !== JSON.stringify(value)) {
      patch[key] = value;
    }
  }
  return Object.keys(patch).length > 0 ? patch : undefined;
}

/**
 * Why `text` cannot replace the metadata `before`, or undefined when it can: a JSON object with
 * no new null in its values (in a merge patch, null removes a key, so a null cannot be stored;
 * one the contact already has is left alone, as it is not in the patch).
 */
export function metadataProblem(
  text: string,
  before: { [key: string]: Json } = {},
): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `Not valid JSON: ${(error as Error).message}`;
  }
  if (!isObject(value)) return 'Metadata must be a JSON object, like {"plan": "pro"}.';
  const nullAt = findNewNull(value, before, "");
  if (nullAt !== undefined) {
    return `"${nullAt}" is null: a null removes a key in an update, so it cannot be stored. Remove the key instead.`;
  }
  return undefined;
}

function findNewNull(value: Json, before: Json | undefined, path: string): string | undefined {
  if (value === null) return before === null ? undefined : path;
  if (!isObject(value)) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const old = isObject(before) ? before[key] : undefined;
    const found = findNewNull(inner, old, path ? `${path}.${key}` : key);
    if (found !== undefined) return found;
  }
  return undefined;
}

export type { Json };
