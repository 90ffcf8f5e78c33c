/**
 * The bridge checked against an Ajv of its own (2020-12, ajv-formats "full", as the server's
 * validator): for every schema openapi.yaml names (components, parameters, request bodies), every
 * valid value passes, and every violation fails at exactly its pointer with exactly its keyword.
 * Budget and replay: see property-budget.ts.
 */
import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadSpec } from "../../src/spec.js";
import {
  codePointLength,
  escapePointer,
  type JsonSchema,
  SchemaArbitraries,
  type Violation,
} from "./json-schema-arbitrary.js";
import { fcParameters, numRuns, TEST_TIMEOUT_MS } from "./property-budget.js";

const spec = loadSpec().document;
const bridge = new SchemaArbitraries(spec);
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv, { mode: "full" });
ajv.addSchema(spec as object, "spec");

type Operation = {
  parameters?: { $ref?: string; in?: string; name?: string; schema?: JsonSchema }[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
};

/** Every schema openapi.yaml names, as [label, JSON pointer into the spec]. */
function namedSchemas(): [string, string][] {
  const found: [string, string][] = Object.keys(
    (spec.components as { schemas: object }).schemas,
  ).map((name) => [name, `#/components/schemas/${name}`]);
  for (const [path, item] of Object.entries(spec.paths)) {
    const base = `#/paths/${escapePointer(path)}`;
    const pathParameters = (item.parameters as Operation["parameters"]) ?? [];
    pathParameters.forEach((parameter, index) => {
      if (!parameter.$ref)
        found.push([`${path} ${parameter.name}`, `${base}/parameters/${index}/schema`]);
    });
    for (const [method, operation] of Object.entries(item)) {
      if (method === "parameters") continue;
      const { parameters = [], requestBody } = operation as Operation;
      parameters.forEach((parameter, index) => {
        if (parameter.schema) {
          found.push([
            `${method} ${path} ${parameter.in} ${parameter.name}`,
            `${base}/${method}/parameters/${index}/schema`,
          ]);
        }
      });
      for (const mediaType of Object.keys(requestBody?.content ?? {})) {
        found.push([
          `${method} ${path} body`,
          `${base}/${method}/requestBody/content/${escapePointer(mediaType)}/schema`,
        ]);
      }
    }
  }
  for (const name of Object.keys((spec.components as { parameters?: object }).parameters ?? {})) {
    found.push([`parameter ${name}`, `#/components/parameters/${name}/schema`]);
  }
  return found;
}

/** Where Ajv says an error is, as the server's validator reports it (the property, for these). */
function location(error: ErrorObject): string {
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  const property = params.missingProperty ?? params.additionalProperty;
  return property === undefined
    ? error.instancePath
    : `${error.instancePath}/${escapePointer(property)}`;
}

const isAtOrAbove = (pointer: string, at: string) =>
  pointer === at || at === "" || pointer.startsWith(`${at}/`);

const SCHEMAS = namedSchemas();

describe("validValue", () => {
  it.each(SCHEMAS)(
    "%s: every generated value is valid",
    (_label, pointer) => {
      const schema = { $ref: pointer };
      const validate = ajv.compile({ $ref: `spec${pointer}` });
      fc.assert(
        fc.property(bridge.valid(schema), (value) => {
          const roundTripped = JSON.parse(JSON.stringify(value)) as unknown;
          expect(validate(roundTripped), ajv.errorsText(validate.errors)).toBe(true);
        }),
        fcParameters(numRuns(60, 2000)),
      );
    },
    TEST_TIMEOUT_MS,
  );

  it("makes only the required properties when asked for a minimal value", () => {
    const minimal = fc.sample(
      bridge.valid({ $ref: "#/components/schemas/Contact" }, { minimal: true }),
      5,
    );
    const each = minimal.map((value) => Object.keys(value as object).sort());
    expect(new Set(each.map(String)).size).toBe(1);
    const allProperties = fc.sample(
      bridge.valid({ $ref: "#/components/schemas/CreateContactRequest" }, { minimal: true }),
      20,
    );
    for (const value of allProperties)
      expect(Object.keys(value as object)).toEqual(["external_id"]);
  });

  it("reaches the limits: strings of exactly maxLength code points, arrays of exactly maxItems", () => {
    const create = bridge.valid({ $ref: "#/components/schemas/CreateContactRequest" });
    const samples = fc.sample(create, { numRuns: 3000, seed: 1 }) as Record<string, unknown>[];
    const lengths = (field: string) =>
      samples.flatMap((body) =>
        typeof body[field] === "string" ? [codePointLength(body[field])] : [],
      );
    expect(Math.max(...lengths("external_id"))).toBe(120);
    expect(Math.min(...lengths("external_id"))).toBe(1);
    expect(Math.max(...lengths("display_name"))).toBe(256);
    expect(Math.max(...lengths("email"))).toBe(254);
    expect(Math.max(...lengths("avatar_url"))).toBe(2048);
    expect(
      Math.max(...samples.map((body) => (body.tags as unknown[] | undefined)?.length ?? 0)),
    ).toBe(50);
    expect(
      Math.max(
        ...samples.map((body) => Object.keys((body.metadata as object | undefined) ?? {}).length),
      ),
    ).toBe(50);
    expect(samples.some((body) => body.display_name === null)).toBe(true);
  });
});

describe("invalidValues", () => {
  it.each(SCHEMAS)(
    "%s: every violation breaks exactly one constraint, where it says",
    (_label, pointer) => {
      const schema = { $ref: pointer };
      const violations = bridge.invalid(schema);
      if (!violations) return;
      const validate = ajv.compile({ $ref: `spec${pointer}` });
      fc.assert(
        fc.property(violations, (violation: Violation) => {
          const value = JSON.parse(JSON.stringify(violation.value)) as unknown;
          expect(validate(value), `${JSON.stringify(violation)} was accepted`).toBe(false);
          const errors = (validate.errors ?? []).map((error) => ({
            at: location(error),
            keyword: error.keyword,
          }));
          // The broken keyword, reported at the pointer…
          expect(errors).toContainEqual({ at: violation.pointer, keyword: violation.keyword });
          // …and nothing elsewhere: other errors only sit on the pointer's path (oneOf's
          // summary, the other branches of a oneOf, propertyNames' inner keyword).
          for (const error of errors) {
            expect(isAtOrAbove(violation.pointer, error.at), JSON.stringify(errors)).toBe(true);
          }
        }),
        fcParameters(numRuns(60, 2000)),
      );
    },
    TEST_TIMEOUT_MS,
  );

  it("breaks every kind of constraint the request schemas have", () => {
    const kinds = new Set<string>();
    for (const name of ["CreateContactRequest", "UpdateContactRequest"]) {
      const violations = bridge.invalid({ $ref: `#/components/schemas/${name}` });
      for (const violation of fc.sample(violations as fc.Arbitrary<Violation>, {
        numRuns: 3000,
        seed: 2,
      })) {
        kinds.add(violation.keyword);
      }
    }
    expect([...kinds].sort()).toEqual(
      [
        "additionalProperties",
        "format",
        "maxItems",
        "maxLength",
        "maxProperties",
        "minLength",
        "pattern",
        "propertyNames",
        "required",
        "type",
      ].sort(),
    );
  });

  it("as text (coerced parameters), breaks types only with strings that do not coerce", () => {
    const limit = bridge.invalid({ type: "integer", minimum: 1, maximum: 50 }, { coerced: true });
    const samples = fc.sample(limit as fc.Arbitrary<Violation>, { numRuns: 500, seed: 3 });
    for (const { value, keyword } of samples) {
      if (keyword === "type") {
        expect(typeof value).toBe("string");
        expect(Number.isInteger(Number(value)) && String(value).trim() !== "").toBe(false);
      } else {
        expect(["minimum", "maximum"]).toContain(keyword);
      }
    }
    expect(bridge.invalid({ type: "string" }, { coerced: true })).toBeUndefined();
  });
});

describe("schema forms", () => {
  const sample = (schema: JsonSchema, runs = 300) =>
    fc.sample(bridge.valid(schema), { numRuns: runs, seed: 5 });
  const violations = (schema: JsonSchema) =>
    fc.sample(bridge.invalid(schema) as fc.Arbitrary<Violation>, { numRuns: 300, seed: 6 });

  it.each<[string, JsonSchema, (value: unknown) => boolean]>([
    [
      "type list with null",
      { type: ["string", "null"], maxLength: 3 },
      (v) => v === null || (typeof v === "string" && codePointLength(v) <= 3),
    ],
    ["const", { type: "string", const: "list" }, (v) => v === "list"],
    ["enum", { enum: ["a", "b"] }, (v) => v === "a" || v === "b"],
    [
      "integer bounds",
      { type: "integer", minimum: 1, maximum: 50 },
      (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 50,
    ],
    [
      "code points, not UTF-16 units",
      { type: "string", minLength: 2, maxLength: 2 },
      (v) => codePointLength(v as string) === 2,
    ],
    ["uuid", { type: "string", format: "uuid" }, (v) => /^[0-9a-f-]{36}$/i.test(v as string)],
    [
      "date-time",
      { type: "string", format: "date-time" },
      (v) => !Number.isNaN(Date.parse(v as string)),
    ],
    ["anything", true, () => true],
  ])("%s", (_name, schema, accepts) => {
    for (const value of sample(schema)) expect(accepts(value), JSON.stringify(value)).toBe(true);
  });

  it("counts a string of astral characters by code points when breaking maxLength", () => {
    for (const { value, keyword } of violations({ type: "string", maxLength: 2 })) {
      if (keyword === "maxLength") expect(codePointLength(value as string)).toBeGreaterThan(2);
    }
  });

  it("names the pointer of a nested violation, escaping / and ~", () => {
    const schema: JsonSchema = {
      type: "object",
      additionalProperties: false,
      required: ["a/b"],
      properties: {
        "a/b": { type: "array", maxItems: 2, items: { type: "string", maxLength: 1 } },
      },
    };
    const pointers = new Set(violations(schema).map((v) => `${v.pointer} ${v.keyword}`));
    expect(pointers).toContain("/a~1b required");
    expect(pointers).toContain("/a~1b maxItems");
    expect([...pointers].some((p) => /^\/a~1b\/[01] maxLength$/.test(p))).toBe(true);
  });

  it.each<[string, JsonSchema, RegExp]>([
    ["an unknown keyword", { type: "string", uniqueItems: true }, /keyword "uniqueItems"/],
    ["an unknown format", { type: "string", format: "ipv4" }, /format "ipv4"/],
    [
      "overlapping oneOf branches",
      { oneOf: [{ type: "string" }, { type: "string", maxLength: 1 }] },
      /distinct types/,
    ],
    ["a $ref outside the spec", { $ref: "#/components/schemas/Nope" }, /does not resolve/],
  ])("refuses %s", (_name, schema, message) => {
    expect(() => bridge.valid(schema)).toThrow(message);
  });
});
