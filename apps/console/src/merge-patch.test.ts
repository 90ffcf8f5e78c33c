import { describe, expect, it } from "vitest";
import { type Json, mergePatchOf, metadataProblem } from "./merge-patch.js";

type Obj = { [key: string]: Json };

describe("mergePatchOf", () => {
  const cases: [string, { before: Obj; after: Obj; want: Obj | undefined }][] = [
    [
      "nothing changed",
      { before: { a: 1, b: { c: 2 } }, after: { a: 1, b: { c: 2 } }, want: undefined },
    ],
    ["a changed value", { before: { a: 1 }, after: { a: 2 }, want: { a: 2 } }],
    ["a new key", { before: {}, after: { a: "x" }, want: { a: "x" } }],
    ["a removed key is null", { before: { a: 1, b: 2 }, after: { b: 2 }, want: { a: null } }],
    [
      "nested objects: only what changed, removals at depth",
      {
        before: { limits: { daily: 5, monthly: 100 }, plan: "pro" },
        after: { limits: { daily: 6 }, plan: "pro" },
        want: { limits: { daily: 6, monthly: null } },
      },
    ],
    [
      "arrays are replaced whole",
      { before: { r: ["eu", "us"] }, after: { r: ["eu"] }, want: { r: ["eu"] } },
    ],
    [
      "an object replacing a scalar",
      { before: { a: 1 }, after: { a: { b: 1 } }, want: { a: { b: 1 } } },
    ],
  ];
  it.each(cases)("%s", (_name, { before, after, want }) => {
    expect(mergePatchOf(before, after)).toEqual(want);
  });
});

describe("metadataProblem", () => {
  const cases: [string, { text: string; want: RegExp | undefined }][] = [
    ["an object", { text: '{"plan": "pro", "tags": [null]}', want: undefined }],
    ["not JSON", { text: '{"plan": ', want: /^Not valid JSON/ }],
    ["an array", { text: "[1]", want: /must be a JSON object/ }],
    ["a new null value, nested", { text: '{"a": {"c": null}}', want: /"a\.c" is null/ }],
    ["a null the contact already has", { text: '{"a": {"b": null}, "c": 1}', want: undefined }],
  ];
  it.each(cases)("%s", (_name, { text, want }) => {
    const problem = metadataProblem(text, { a: { b: null } });
    if (want === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(want);
  });
});
