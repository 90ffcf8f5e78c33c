import { describe, expect, it } from "vitest";
import { loadSpec } from "../spec.js";
import type { ContactFields } from "./contact.js";
import { ContactValidationError } from "./contact-errors.js";
import {
  applyContactPatch,
  assertMetadataWithinLimits,
  assertStorableBody,
  MAX_METADATA_BYTES,
  MAX_TEXT_LENGTHS,
  normalizeContactRef,
  normalizeSearchTerm,
  normalizeTags,
  sameFields,
  toNfc,
} from "./contact-rules.js";

/** é spelled as one code point (NFC) and as e + a combining acute accent (NFD). */
const E_ACUTE = "\u00e9";
const E_COMBINING = "e\u0301";

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
    ["takes tags in NFC", [`caf${E_COMBINING}`], [`caf${E_ACUTE}`]],
    ["collapses spellings of one tag in NFC", [E_COMBINING, "x", E_ACUTE], [E_ACUTE, "x"]],
  ])("%s", (_name, given, want) => {
    expect(normalizeTags(given)).toEqual(want);
  });

  it("refuses a tag that NFC makes longer than 64 characters, naming it", () => {
    // U+0958 (DEVANAGARI LETTER QA) is excluded from composition: NFC spells it with two.
    expect(() => normalizeTags(["ok", "\u0958".repeat(40)], "/query/tags")).toThrow(
      expect.objectContaining({ problems: [expect.objectContaining({ path: "/query/tags/1" })] }),
    );
  });
});

describe("Unicode normalization", () => {
  it.each([
    ["composes e + U+0301", `Jos${E_COMBINING}`, `Jos${E_ACUTE}`],
    ["keeps NFC text as is", `Jos${E_ACUTE}`, `Jos${E_ACUTE}`],
    ["maps a canonical singleton (OHM SIGN to OMEGA)", "\u2126", "\u03a9"],
    ["keeps compatibility forms (NFC, not NFKC): the ﬁ ligature stays", "\ufb01", "\ufb01"],
  ])("toNfc %s", (_name, given, want) => {
    expect(toNfc(given, "/body/external_id", 120)).toBe(want);
  });

  it("refuses a value that NFC makes longer than its limit", () => {
    expect(() => toNfc("\u0958".repeat(120), "/body/external_id", 120)).toThrow(
      ContactValidationError,
    );
    expect(toNfc("\u0958".repeat(60), "/body/external_id", 120)).toHaveLength(120);
  });

  it.each([
    ["NFC, then lower case", `JOS${"E\u0301"}`, `jos${E_ACUTE}`],
    ["capital sharp s to ß", "STRA\u1e9eE", "straße"],
    ["no folding of ß to ss", "STRASSE", "strasse"],
    ["dotted capital I to i + U+0307", "\u0130", "i\u0307"],
  ])("normalizeSearchTerm: %s", (_name, given, want) => {
    expect(normalizeSearchTerm(given)).toBe(want);
  });

  it("takes a path reference in NFC", () => {
    expect(normalizeContactRef(`user-${E_COMBINING}`)).toBe(`user-${E_ACUTE}`);
  });

  it("has the length limits openapi.yaml states", () => {
    const { components } = loadSpec().document as unknown as {
      components: { schemas: Record<string, { maxLength?: number }> };
    };
    const schemas = components.schemas;
    expect(MAX_TEXT_LENGTHS).toEqual({
      externalId: schemas.ExternalId?.maxLength,
      displayName: schemas.DisplayName?.maxLength,
      email: schemas.Email?.maxLength,
      tag: schemas.Tag?.maxLength,
    });
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
