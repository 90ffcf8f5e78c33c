import { describe, expect, it } from "vitest";
import type { ContactFields } from "./contact.js";
import { ContactValidationError } from "./contact-errors.js";
import {
  applyContactPatch,
  assertMetadataWithinLimits,
  assertStorableBody,
  MAX_METADATA_BYTES,
  normalizeTags,
  sameFields,
} from "./contact-rules.js";

const current: ContactFields = {
  displayName: "Jane",
  email: "jane@example.com",
  avatarUrl: "https://example.com/a.png",
  tags: ["a", "b"],
  metadata: { plan: "pro", seats: 3, nested: { x: 1 } },
};

describe("normalizeTags", () => {
  it.each([
    ["keeps unique tags in order", ["b", "a"], ["b", "a"]],
    ["collapses repeats at their first position", ["a", "b", "a", "c", "b"], ["a", "b", "c"]],
    ["is case-sensitive", ["A", "a"], ["A", "a"]],
    ["keeps an empty list empty", [], []],
  ])("%s", (_name, given, want) => {
    expect(normalizeTags(given)).toEqual(want);
  });
});

describe("applyContactPatch (RFC 7396)", () => {
  it.each<[string, Parameters<typeof applyContactPatch>[1], Partial<ContactFields>]>([
    ["leaves absent fields unchanged", {}, {}],
    [
      "clears a nullable field with null",
      { displayName: null, email: null },
      { displayName: null, email: null },
    ],
    ["replaces tags whole, collapsing repeats", { tags: ["c", "c", "a"] }, { tags: ["c", "a"] }],
    ["clears tags with null", { tags: null }, { tags: [] }],
    [
      "merges metadata key by key",
      { metadata: { seats: 5, region: "eu" } },
      { metadata: { plan: "pro", seats: 5, nested: { x: 1 }, region: "eu" } },
    ],
    [
      "removes a metadata key with null",
      { metadata: { plan: null } },
      { metadata: { seats: 3, nested: { x: 1 } } },
    ],
    [
      "merges nested metadata objects too",
      { metadata: { nested: { y: 2 } } },
      { metadata: { plan: "pro", seats: 3, nested: { x: 1, y: 2 } } },
    ],
    [
      "removes a nested metadata key with null, storing no null",
      { metadata: { nested: { x: null, z: { q: null } } } },
      { metadata: { plan: "pro", seats: 3, nested: { z: {} } } },
    ],
    [
      "replaces arrays whole, nulls inside them included",
      { metadata: { seats: [1, null] } },
      { metadata: { plan: "pro", seats: [1, null], nested: { x: 1 } } },
    ],
    ["clears metadata with null", { metadata: null }, { metadata: {} }],
  ])("%s", (_name, patch, changed) => {
    expect(applyContactPatch(current, patch)).toEqual({ ...current, ...changed });
  });

  it("keeps __proto__ as a plain metadata key, never touching prototypes", () => {
    const patch = JSON.parse('{"metadata": {"__proto__": {"polluted": true}}}');
    const next = applyContactPatch(current, patch);
    expect(Object.keys(next.metadata)).toContain("__proto__");
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(next.metadata)).toBe(Object.prototype);
  });

  it("refuses a merge that ends with more than 50 keys", () => {
    const many = Object.fromEntries(Array.from({ length: 48 }, (_, i) => [`k${i}`, i]));
    expect(() => applyContactPatch(current, { metadata: many })).toThrow(ContactValidationError);
  });
});

/** Metadata whose value sits `levels` arrays below the top-level key. */
function nest(levels: number) {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = [value];
  return { k: value } as Parameters<typeof assertMetadataWithinLimits>[0];
}

describe("assertMetadataWithinLimits", () => {
  // {"k":"…"} is 8 bytes of JSON around the value.
  const ofSize = (bytes: number, char = "x") => ({
    k: char.repeat((bytes - 8) / Buffer.byteLength(char)),
  });
  it.each([
    ["exactly 16 KiB", ofSize(MAX_METADATA_BYTES), true],
    ["one byte over", ofSize(MAX_METADATA_BYTES + 1), false],
    [
      "16 KiB of two-byte characters (counted in UTF-8 bytes)",
      ofSize(MAX_METADATA_BYTES, "é"),
      true,
    ],
    ["50 keys", Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 1])), true],
    ["51 keys", Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 1])), false],
  ])("%s → accepted: %s", (_name, metadata, accepted) => {
    const check = () => assertMetadataWithinLimits(metadata);
    if (accepted) expect(check).not.toThrow();
    else expect(check).toThrow(ContactValidationError);
  });
});

describe("assertStorableBody", () => {
  it.each<[string, unknown, string | undefined]>([
    ["plain JSON", { external_id: "x", metadata: { a: [1, "b", null] } }, undefined],
    ["a value 32 levels below metadata", { metadata: nest(31) }, undefined],
    ["a value 33 levels below metadata", { metadata: nest(32) }, "/body/metadata/k"],
    [
      "a number too large for a double (parsed as Infinity)",
      JSON.parse('{"metadata": {"n": 1e400}}'),
      "/body/metadata/n",
    ],
    [
      "a lone surrogate in a field",
      JSON.parse('{"display_name": "a\\ud800"}'),
      "/body/display_name",
    ],
    ["a lone surrogate in a tag", JSON.parse('{"tags": ["ok", "\\udc00"]}'), "/body/tags/1"],
    [
      "a lone surrogate in a metadata key",
      JSON.parse('{"metadata": {"\\ud800": 1}}'),
      "/body/metadata/\ud800",
    ],
    ["a surrogate pair (an emoji)", { display_name: "😀" }, undefined],
  ])("%s → %s", (_name, body, failingPath) => {
    const check = () => assertStorableBody(body);
    if (!failingPath) return expect(check).not.toThrow();
    try {
      check();
      expect.unreachable();
    } catch (error) {
      expect((error as ContactValidationError).problems[0]?.path.startsWith(failingPath)).toBe(
        true,
      );
    }
  });
});

describe("sameFields", () => {
  it("tells a no-op from a change", () => {
    expect(sameFields(current, applyContactPatch(current, {}))).toBe(true);
    expect(sameFields(current, applyContactPatch(current, { tags: ["a"] }))).toBe(false);
  });
});
