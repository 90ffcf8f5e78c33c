import { describe, expect, it } from "vitest";
import { etagOf, ifMatchLists, ifNoneMatchLists } from "./etag.js";

const contact = { id: "contact_01ARZ3NDEKTSV4RRFFQ69G5FAV", version: 3 };
const used = { total_cost: 0.5, total_tokens: 10, total_requests: 2, error_rate: 0.5 };
const plain = etagOf(contact);
const withUsage = etagOf(contact, used);

describe("etagOf", () => {
  it.each([
    ["no metrics", etagOf(contact), '"01ARZ3NDEKTSV4RRFFQ69G5FAV.3"'],
    [
      "zero metrics",
      etagOf(contact, { total_cost: 0, total_tokens: 0, total_requests: 0, error_rate: 0 }),
      '"01ARZ3NDEKTSV4RRFFQ69G5FAV.3"',
    ],
  ])("%s: the version tag", (_name, got, want) => expect(got).toBe(want));

  it("adds a digest of non-zero metrics that changes with any of them", () => {
    expect(withUsage).toMatch(/^"01ARZ3NDEKTSV4RRFFQ69G5FAV\.3\.[A-Za-z0-9_-]{12}"$/);
    for (const change of [
      { total_cost: 0.500001 },
      { total_tokens: 11 },
      { total_requests: 3 },
      { error_rate: 0 },
    ]) {
      expect(etagOf(contact, { ...used, ...change })).not.toBe(withUsage);
    }
    expect(etagOf(contact, { ...used })).toBe(withUsage);
  });
});

describe("preconditions", () => {
  it.each<[string, string, boolean, boolean]>([
    // [header, ifNoneMatch lists the tag with usage, ifMatch lists version 3]
    ["the tag with usage", withUsage, true, true],
    ["the version tag (read without metrics)", plain, false, true],
    ["its weak form", `W/${withUsage}`, true, false],
    ["*", "*", true, true],
    ["a list holding it", `"x.1", ${withUsage}`, true, true],
    ["another version", '"01ARZ3NDEKTSV4RRFFQ69G5FAV.2"', false, false],
    ["another version with a digest", withUsage.replace(".3.", ".2."), false, false],
    ["unquoted", "01ARZ3NDEKTSV4RRFFQ69G5FAV.3", false, false],
  ])("%s", (_name, header, noneMatch, match) => {
    expect(ifNoneMatchLists(header, withUsage)).toBe(noneMatch);
    expect(ifMatchLists(header, contact)).toBe(match);
  });
});
