/**
 * JSON Schema → fast-check arbitraries, read from openapi.yaml (never written per field), for the
 * OpenAPI 3.1 subset the spec uses: type (also `[string, "null"]`), const, enum, min/maxLength,
 * pattern, format (email, uri, uuid, date-time, date), minimum/maximum, integer, items,
 * min/maxItems, properties, required, additionalProperties, min/maxProperties, propertyNames,
 * $ref, allOf and oneOf (with branches of distinct types).
 *
 * - `validValue(schema)` makes values the schema accepts, biased to the limits (a string of exactly
 *   maxLength, an array of exactly maxItems, …).
 * - `invalidValues(schema)` makes values that break exactly ONE constraint, each with the JSON
 *   pointer of the failing value and the keyword broken, so a test can require the server's
 *   `details` to name that path.
 *
 * Lengths are counted in code points, as Ajv counts them. A keyword this file does not know makes
 * it throw: a new kind of constraint in the spec must extend the bridge, not pass unchecked.
 * Strings with a format are made by a generator for that format and checked with ajv-formats' own
 * ("full" mode) checker, as the server's validator is configured.
 */
import { fullFormats } from "ajv-formats/dist/formats.js";
import fc from "fast-check";
import { loadSpec } from "../../src/spec.js";

export type JsonSchema = boolean | SchemaObject;
export type SchemaObject = { [keyword: string]: unknown };
export type JsonType = "null" | "boolean" | "integer" | "number" | "string" | "array" | "object";

/** A value that breaks exactly one constraint of a schema. */
export interface Violation {
  value: unknown;
  /**
   * JSON pointer (RFC 6901) of the failing value inside the whole value: for `required` and
   * `additionalProperties`, the missing or extra property; for `propertyNames`, `minProperties`
   * and `maxProperties`, the object itself.
   */
  pointer: string;
  /** The keyword broken: `type`, `maxLength`, `required`, `additionalProperties`, … */
  keyword: string;
}

export interface ArbitraryOptions {
  /** Objects carry their required properties only (the smallest valid value). */
  minimal?: boolean;
  /**
   * The value travels as text (a query, path or header parameter) and the validator coerces it:
   * a `type` violation is then a string that does not coerce to the type, and types a string
   * cannot break (string, array, object) have none.
   */
  coerced?: boolean;
  /** Strings of printable ASCII only (values that travel in HTTP headers). */
  ascii?: boolean;
}

const ANNOTATIONS = new Set([
  "description",
  "example",
  "examples",
  "default",
  "title",
  "deprecated",
  "readOnly",
  "writeOnly",
  "$comment",
]);
const KEYWORDS = new Set([
  "type",
  "const",
  "enum",
  "minLength",
  "maxLength",
  "pattern",
  "format",
  "minimum",
  "maximum",
  "items",
  "minItems",
  "maxItems",
  "properties",
  "required",
  "additionalProperties",
  "minProperties",
  "maxProperties",
  "propertyNames",
  "oneOf",
]);
const ALL_TYPES: JsonType[] = ["null", "boolean", "integer", "number", "string", "array", "object"];
/** Unbounded lengths and counts are drawn up to this far past their minimum. */
const UNBOUNDED_SPAN = 8;
/**
 * Values under `true` / `{}` (metadata values) are small JSON: 50 of them under 40-character keys
 * stay below the server's 16 KiB metadata limit, a rule the schema cannot express.
 */
const MAX_ANY_VALUE_BYTES = 120;

/** Escapes one reference token of a JSON pointer. */
export function escapePointer(token: string): string {
  return token.replaceAll("~", "~0").replaceAll("/", "~1");
}

/** Length in code points, as Ajv's minLength/maxLength count it. */
export function codePointLength(value: string): number {
  let length = 0;
  for (const _ of value) length++;
  return length;
}

/** The JSON type of a value; integers are `integer` (and also numbers). */
export function jsonTypeOf(value: unknown): JsonType {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value as JsonType;
}

function allows(types: readonly JsonType[], value: unknown): boolean {
  const type = jsonTypeOf(value);
  return types.includes(type) || (type === "integer" && types.includes("number"));
}

const isObject = (value: unknown): value is SchemaObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** An object whose own keys are exactly these (also `__proto__`, kept as plain data). */
function objectOf(entries: Iterable<readonly [string, unknown]>): Record<string, unknown> {
  return Object.fromEntries(entries);
}

type FormatCheck = (value: string) => boolean;

function formatCheck(name: string): FormatCheck {
  const format = (fullFormats as Record<string, unknown>)[name];
  const validate = isObject(format) && !(format instanceof RegExp) ? format.validate : format;
  if (validate instanceof RegExp) return (value) => validate.test(value);
  if (typeof validate === "function") return (value) => Boolean(validate(value));
  throw new Error(`json-schema-arbitrary: unknown format "${name}"`);
}

/** One code point per unit: mostly printable ASCII, some of anything, and known troublemakers. */
const CODE_POINT: fc.Arbitrary<string> = fc.oneof(
  { weight: 10, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "/",
      "~",
      "%",
      ".",
      " ",
      ",",
      "\u0000",
      "é",
      "😀",
      "İ",
      "Σ",
      "\u202e",
    ),
  },
);

/** Characters a mutation puts into a valid string to break its pattern or format. */
const MUTATION: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    ..."\u0000\u001f\u007f\n <>\"{}|\\^`@:/?#[]%,;=+&*!$'()~IiLlOoUu-_.0Zaz".split(""),
    "é",
    "😀",
  ),
  CODE_POINT,
);

/** Strings of lo..hi code points, biased to both limits. */
function codePointString(lo: number, hi: number, ascii = false): fc.Arbitrary<string> {
  const unit = ascii ? "grapheme-ascii" : CODE_POINT;
  return sized(lo, hi, (min, max) => fc.string({ unit, minLength: min, maxLength: max }));
}

/**
 * Something of a size in lo..hi (hi may be Infinity): mostly near lo, sometimes exactly at either
 * limit, sometimes anywhere between.
 */
function sized<T>(
  lo: number,
  hi: number,
  make: (min: number, max: number) => fc.Arbitrary<T>,
): fc.Arbitrary<T> {
  const top = Number.isFinite(hi) ? hi : lo + UNBOUNDED_SPAN;
  const arbitraries: fc.WeightedArbitrary<T>[] = [
    { weight: 6, arbitrary: make(lo, Math.min(top, lo + UNBOUNDED_SPAN)) },
    { weight: 1, arbitrary: make(lo, lo) },
  ];
  if (top > lo) arbitraries.push({ weight: 1, arbitrary: make(top, top) });
  if (top > lo + UNBOUNDED_SPAN) arbitraries.push({ weight: 1, arbitrary: make(lo, top) });
  return fc.oneof({ withCrossShrink: true }, ...arbitraries);
}

/** Keeps `arbitrary.filter(predicate)` only when the predicate is met often enough to terminate. */
function feasible<T>(
  arbitrary: fc.Arbitrary<T>,
  predicate: (value: T) => boolean,
): fc.Arbitrary<T> | undefined {
  const samples = fc.sample(arbitrary, { numRuns: 200, seed: 4242 });
  const passing = samples.filter(predicate).length;
  return passing >= 2 ? arbitrary.filter(predicate) : undefined;
}

/** fast-check's strings for a regex, when it supports the regex's syntax (no lookarounds). */
function stringsMatching(pattern: RegExp): fc.Arbitrary<string> | undefined {
  try {
    return fc.stringMatching(pattern);
  } catch {
    return undefined;
  }
}

/** Replaces or inserts one code point, anywhere. */
function mutated(value: string): fc.Arbitrary<string> {
  return fc.tuple(fc.nat(), MUTATION, fc.boolean()).map(([at, char, insert]) => {
    const points = [...value];
    const index = at % (points.length + 1);
    if (insert || index === points.length) points.splice(index, 0, char);
    else points[index] = char;
    return points.join("");
  });
}

interface FormatGenerator {
  make: fc.Arbitrary<string>;
  /** Lengthens a valid value by `count` code points, keeping it valid. */
  stretch?: (value: string, count: number) => string;
}

const DATES = fc.date({
  min: new Date("1970-01-01T00:00:00.000Z"),
  max: new Date("2100-12-31T23:59:59.999Z"),
  noInvalidDate: true,
});

const FORMATS: Record<string, FormatGenerator> = {
  email: { make: fc.emailAddress(), stretch: (value, count) => `${"a".repeat(count)}${value}` },
  uri: {
    make: fc.webUrl({ withQueryParameters: true, withFragments: true }),
    stretch: (value, count) => {
      if (count <= 0) return value;
      return value.includes("#") ? value + "a".repeat(count) : `${value}#${"a".repeat(count - 1)}`;
    },
  },
  uuid: { make: fc.uuid() },
  "date-time": { make: DATES.map((date) => date.toISOString()) },
  date: { make: DATES.map((date) => date.toISOString().slice(0, 10)) },
};

/** Builds arbitraries for the schemas of one OpenAPI document ($refs resolve inside it). */
export class SchemaArbitraries {
  private readonly validCache = new Map<string, WeakMap<object, fc.Arbitrary<unknown>>>();
  private readonly invalidCache = new Map<
    string,
    WeakMap<object, fc.Arbitrary<Violation> | null>
  >();

  private documentPropertyNames: string[] | undefined;
  private documentPatterns: RegExp[] | undefined;

  constructor(readonly document: object) {}

  /** Values the schema accepts. */
  valid(schema: JsonSchema, options: ArbitraryOptions = {}): fc.Arbitrary<unknown> {
    const key = optionsKey(options);
    const cache = this.validCache.get(key) ?? new WeakMap();
    this.validCache.set(key, cache);
    const holder = typeof schema === "boolean" ? (schema ? TRUE_SCHEMA : FALSE_SCHEMA) : schema;
    let arbitrary = cache.get(holder);
    if (!arbitrary) {
      arbitrary = this.buildValid(this.normalize(schema), options);
      cache.set(holder, arbitrary);
    }
    return arbitrary;
  }

  /** Values that break exactly one constraint; undefined when nothing can be broken. */
  invalid(schema: JsonSchema, options: ArbitraryOptions = {}): fc.Arbitrary<Violation> | undefined {
    const key = optionsKey(options);
    const cache = this.invalidCache.get(key) ?? new WeakMap();
    this.invalidCache.set(key, cache);
    const holder = typeof schema === "boolean" ? (schema ? TRUE_SCHEMA : FALSE_SCHEMA) : schema;
    let arbitrary = cache.get(holder);
    if (arbitrary === undefined) {
      const violations = this.violations(this.normalize(schema), options);
      arbitrary = violations.length > 0 ? fc.oneof(...violations) : null;
      cache.set(holder, arbitrary);
    }
    return arbitrary ?? undefined;
  }

  /** Resolves a local `$ref` (`#/components/schemas/Tag`). */
  resolveRef(ref: string): unknown {
    if (!ref.startsWith("#/")) throw new Error(`json-schema-arbitrary: only local $refs: ${ref}`);
    return ref
      .slice(2)
      .split("/")
      .map((token) => token.replaceAll("~1", "/").replaceAll("~0", "~"))
      .reduce<unknown>((node, token) => {
        if (typeof node !== "object" || node === null || !Object.hasOwn(node, token)) {
          throw new Error(`json-schema-arbitrary: $ref ${ref} does not resolve`);
        }
        return (node as Record<string, unknown>)[token];
      }, this.document);
  }

  /**
   * The schema with $ref and allOf folded in and annotations dropped; throws on a keyword this
   * bridge does not know, or on two subschemas constraining the same keyword.
   */
  normalize(schema: JsonSchema, depth = 0): SchemaObject {
    if (depth > 32) throw new Error("json-schema-arbitrary: $ref cycle");
    if (schema === true) return {};
    if (schema === false)
      throw new Error("json-schema-arbitrary: `false` schemas are not supported");
    const merged: SchemaObject = {};
    const merge = (part: SchemaObject) => {
      for (const [keyword, value] of Object.entries(part)) {
        if (keyword in merged && JSON.stringify(merged[keyword]) !== JSON.stringify(value)) {
          throw new Error(`json-schema-arbitrary: conflicting "${keyword}" in allOf/$ref`);
        }
        merged[keyword] = value;
      }
    };
    for (const [keyword, value] of Object.entries(schema)) {
      if (keyword === "$ref")
        merge(this.normalize(this.resolveRef(value as string) as JsonSchema, depth + 1));
      else if (keyword === "allOf") {
        for (const part of value as JsonSchema[]) merge(this.normalize(part, depth + 1));
      } else if (KEYWORDS.has(keyword)) merge({ [keyword]: value });
      else if (!ANNOTATIONS.has(keyword)) {
        throw new Error(`json-schema-arbitrary: keyword "${keyword}" is not supported`);
      }
    }
    return merged;
  }

  /** The types the schema allows (every type when it says nothing). */
  typesOf(schema: SchemaObject): JsonType[] {
    if ("const" in schema) return [jsonTypeOf(schema.const)];
    if (Array.isArray(schema.enum)) return [...new Set(schema.enum.map(jsonTypeOf))];
    if (Array.isArray(schema.oneOf)) {
      return [...new Set(schema.oneOf.flatMap((branch) => this.typesOf(this.normalize(branch))))];
    }
    if (typeof schema.type === "string") return [schema.type as JsonType];
    if (Array.isArray(schema.type)) return schema.type as JsonType[];
    return ALL_TYPES;
  }

  // ---- valid values ----

  private buildValid(schema: SchemaObject, options: ArbitraryOptions): fc.Arbitrary<unknown> {
    if ("const" in schema) return fc.constant(schema.const);
    if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
    if (Array.isArray(schema.oneOf)) {
      this.assertDisjoint(schema.oneOf as JsonSchema[]);
      return fc.oneof(...schema.oneOf.map((branch) => this.valid(branch as JsonSchema, options)));
    }
    const types = this.generatedTypes(schema);
    if (types.length === 0) return anyValue();
    return fc.oneof(...types.map((type) => this.validOfType(schema, type, options)));
  }

  /** Types to make values of: the declared ones, or those the keywords present apply to. */
  private generatedTypes(schema: SchemaObject): JsonType[] {
    if (schema.type !== undefined) return this.typesOf(schema);
    const has = (...keywords: string[]) => keywords.some((keyword) => keyword in schema);
    if (has("minLength", "maxLength", "pattern", "format")) return ["string"];
    if (has("minimum", "maximum")) return ["number"];
    if (has("items", "minItems", "maxItems")) return ["array"];
    if (has("properties", "required", "additionalProperties", "propertyNames", "maxProperties")) {
      return ["object"];
    }
    return [];
  }

  private validOfType(
    schema: SchemaObject,
    type: JsonType,
    options: ArbitraryOptions,
  ): fc.Arbitrary<unknown> {
    switch (type) {
      case "null":
        return fc.constant(null);
      case "boolean":
        return fc.boolean();
      case "integer":
        return integerIn(schema);
      case "number":
        return fc.oneof(
          integerIn(schema),
          fc
            .double({
              ...(typeof schema.minimum === "number" && { min: schema.minimum }),
              ...(typeof schema.maximum === "number" && { max: schema.maximum }),
              noNaN: true,
              noDefaultInfinity: true,
            })
            .map((n) => (Object.is(n, -0) ? 0 : n)),
        );
      case "string":
        return this.validString(schema, options);
      case "array":
        return this.validArray(schema, options);
      case "object":
        return this.validObject(schema, options);
    }
  }

  private validString(schema: SchemaObject, options: ArbitraryOptions = {}): fc.Arbitrary<string> {
    const min = (schema.minLength as number | undefined) ?? 0;
    const max = (schema.maxLength as number | undefined) ?? Number.POSITIVE_INFINITY;
    const accepts = stringCheck(schema);
    const format = schema.format as string | undefined;
    if (format !== undefined) {
      const generator = FORMATS[format];
      if (!generator) throw new Error(`json-schema-arbitrary: no generator for format "${format}"`);
      const { make, stretch } = generator;
      const candidates: fc.Arbitrary<string>[] = [make];
      if (stretch && Number.isFinite(max)) {
        // The longest valid value, to probe maxLength from inside.
        candidates.push(
          make.map((value) => stretch(value, Math.max(0, max - codePointLength(value)))),
        );
      }
      return fc.oneof(...candidates).filter(accepts);
    }
    if (typeof schema.pattern === "string") {
      const pattern = new RegExp(schema.pattern, "u");
      const matching = stringsMatching(pattern);
      const candidates: fc.Arbitrary<string>[] = matching ? [matching] : [];
      // A permissive pattern (no control characters, a prefix) also gets strings of any length.
      const free = feasible(codePointString(min, max, options.ascii), (value) =>
        pattern.test(value),
      );
      if (free) candidates.push(free);
      const arbitrary = feasible(fc.oneof(...candidates), accepts);
      if (!arbitrary)
        throw new Error(`json-schema-arbitrary: cannot make strings for ${JSON.stringify(schema)}`);
      return arbitrary;
    }
    return codePointString(min, max, options.ascii);
  }

  private validArray(schema: SchemaObject, options: ArbitraryOptions): fc.Arbitrary<unknown[]> {
    const items = this.valid((schema.items as JsonSchema | undefined) ?? true, options);
    const min = (schema.minItems as number | undefined) ?? 0;
    const max = (schema.maxItems as number | undefined) ?? Number.POSITIVE_INFINITY;
    return sized(min, max, (lo, hi) => fc.array(items, { minLength: lo, maxLength: hi }));
  }

  private validObject(
    schema: SchemaObject,
    options: ArbitraryOptions,
    exclude: ReadonlySet<string> = new Set(),
    withExtras = true,
  ): fc.Arbitrary<Record<string, unknown>> {
    const properties = Object.entries((schema.properties as Record<string, JsonSchema>) ?? {});
    const required = new Set((schema.required as string[] | undefined) ?? []);
    const declared = properties.filter(([name]) => !exclude.has(name));
    const entries = fc.tuple(
      ...declared.map(([name, propertySchema]) => {
        const entry = this.valid(propertySchema, options).map((value) => [name, value] as const);
        return required.has(name)
          ? entry
          : options.minimal
            ? fc.constant(undefined)
            : fc.option(entry, { nil: undefined });
      }),
    );
    const maxProperties = (schema.maxProperties as number | undefined) ?? Number.POSITIVE_INFINITY;
    const minProperties = (schema.minProperties as number | undefined) ?? 0;
    const extras = withExtras ? this.extraEntries(schema, options) : undefined;
    if (!extras || (options.minimal && minProperties <= required.size)) {
      return entries.map((list) => objectOf(list.filter((entry) => entry !== undefined)));
    }
    return entries.chain((list) => {
      const present = list.filter((entry) => entry !== undefined);
      const room = maxProperties - present.length;
      return sized(Math.max(0, minProperties - present.length), room, (lo, hi) =>
        fc.uniqueArray(extras, { minLength: lo, maxLength: hi, selector: ([name]) => name }),
      ).map((more) => objectOf([...present, ...more]));
    });
  }

  /** Properties beyond the declared ones, when the schema allows them. */
  private extraEntries(
    schema: SchemaObject,
    options: ArbitraryOptions,
  ): fc.Arbitrary<readonly [string, unknown]> | undefined {
    const additional = schema.additionalProperties as JsonSchema | undefined;
    if (additional === false) return undefined;
    const declared = new Set(Object.keys((schema.properties as object) ?? {}));
    const names = this.propertyName(schema).filter((name) => !declared.has(name));
    const values =
      additional === undefined || additional === true
        ? anyValue()
        : this.valid(additional, options);
    return fc.tuple(names, values);
  }

  /** Names that `propertyNames` accepts (any string when absent). */
  private propertyName(schema: SchemaObject): fc.Arbitrary<string> {
    const names = schema.propertyNames as JsonSchema | undefined;
    const nameSchema = names === undefined ? {} : this.normalize(names);
    const interesting = fc.constantFrom("__proto__", "constructor", "prototype", "toString");
    return fc.oneof(
      { weight: 8, arbitrary: this.validString(nameSchema) },
      { weight: 1, arbitrary: interesting.filter(stringCheck(nameSchema)) },
    );
  }

  /** Every `pattern` of the document's schemas. */
  private patternsInDocument(): RegExp[] {
    this.documentPatterns ??= (() => {
      const patterns = new Set<string>();
      const walk = (node: unknown) => {
        if (Array.isArray(node)) node.forEach(walk);
        else if (isObject(node)) {
          if (typeof node.pattern === "string") patterns.add(node.pattern);
          Object.values(node).forEach(walk);
        }
      };
      const components = (this.document as SchemaObject).components;
      walk(isObject(components) ? components.schemas : undefined);
      return [...patterns].sort().map((pattern) => new RegExp(pattern, "u"));
    })();
    return this.documentPatterns;
  }

  /** Every property name declared anywhere in the document's schemas. */
  private propertyNamesInDocument(): string[] {
    this.documentPropertyNames ??= (() => {
      const names = new Set<string>();
      const walk = (node: unknown) => {
        if (Array.isArray(node)) node.forEach(walk);
        else if (isObject(node)) {
          if (isObject(node.properties))
            for (const name of Object.keys(node.properties)) names.add(name);
          Object.values(node).forEach(walk);
        }
      };
      const components = (this.document as SchemaObject).components;
      walk(isObject(components) ? components.schemas : undefined);
      return [...names].sort();
    })();
    return this.documentPropertyNames;
  }

  private assertDisjoint(branches: JsonSchema[]): void {
    const seen = new Set<JsonType>();
    for (const branch of branches) {
      for (const type of this.typesOf(this.normalize(branch))) {
        const clash =
          seen.has(type) ||
          (type === "integer" && seen.has("number")) ||
          (type === "number" && seen.has("integer"));
        if (clash)
          throw new Error("json-schema-arbitrary: oneOf branches must have distinct types");
        seen.add(type);
      }
    }
  }

  // ---- violations ----

  private violations(schema: SchemaObject, options: ArbitraryOptions): fc.Arbitrary<Violation>[] {
    if (Array.isArray(schema.oneOf))
      return this.oneOfViolations(schema.oneOf as JsonSchema[], options);
    const found: fc.Arbitrary<Violation>[] = [];
    const at =
      (keyword: string) =>
      (value: unknown): Violation => ({ value, pointer: "", keyword });

    const typeViolation = this.typeViolation(schema, options);
    if (typeViolation) found.push(typeViolation.map(at("type")));

    if ("const" in schema) {
      const other = otherThan([schema.const]);
      if (other) found.push(other.map(at("const")));
      return found;
    }
    if (Array.isArray(schema.enum)) {
      const other = otherThan(schema.enum as unknown[]);
      if (other) found.push(other.map(at("enum")));
      return found;
    }
    const types = this.generatedTypes(schema);
    if (types.includes("string")) found.push(...this.stringViolations(schema, options));
    if (types.includes("integer") || types.includes("number")) {
      found.push(...numberViolations(schema, types.includes("number") ? "number" : "integer"));
    }
    if (types.includes("array")) found.push(...this.arrayViolations(schema, options));
    if (types.includes("object")) found.push(...this.objectViolations(schema, options));
    return found;
  }

  /** A value of a type the schema does not allow (as text that does not coerce, when coerced). */
  private typeViolation(
    schema: SchemaObject,
    options: ArbitraryOptions,
  ): fc.Arbitrary<unknown> | undefined {
    if (schema.type === undefined) return undefined;
    const types = this.typesOf(schema);
    if (options.coerced) {
      if (types.includes("string") || types.includes("array") || types.includes("object"))
        return undefined;
      const text = fc.oneof(
        fc.constantFrom(
          "",
          " ",
          "abc",
          "1.5",
          "1e400",
          "-1e400",
          "Infinity",
          "NaN",
          "true",
          "false",
          "null",
          "[]",
          "{}",
          "0x",
          "1,2",
          "٣",
        ),
        fc.string(),
      );
      return feasible(text, (value) => !coercesTo(value, types));
    }
    const others: Record<JsonType, fc.Arbitrary<unknown>> = {
      null: fc.constant(null),
      boolean: fc.boolean(),
      integer: fc.integer(),
      number: fc
        .double({ noNaN: true, noDefaultInfinity: true })
        .filter((n) => !Number.isInteger(n)),
      string: fc.string(),
      array: fc.array(anyValue(), { maxLength: 3 }),
      object: fc.dictionary(fc.string(), anyValue(), { maxKeys: 3 }),
    };
    const wrong = ALL_TYPES.filter(
      (type) => !types.includes(type) && !(type === "integer" && types.includes("number")),
    );
    return wrong.length > 0 ? fc.oneof(...wrong.map((type) => others[type])) : undefined;
  }

  private stringViolations(
    schema: SchemaObject,
    options: ArbitraryOptions,
  ): fc.Arbitrary<Violation>[] {
    const found: fc.Arbitrary<Violation>[] = [];
    const min = (schema.minLength as number | undefined) ?? 0;
    const max = schema.maxLength as number | undefined;
    const format = schema.format as string | undefined;
    const pattern =
      typeof schema.pattern === "string" ? new RegExp(schema.pattern, "u") : undefined;
    const formatOk = format ? formatCheck(format) : () => true;
    const patternOk = (value: string) => pattern?.test(value) ?? true;
    const lengthOk = (value: string) => {
      const length = codePointLength(value);
      return length >= min && length <= (max ?? Number.POSITIVE_INFINITY);
    };
    const add = (keyword: string, arbitrary: fc.Arbitrary<string> | undefined) => {
      if (arbitrary) found.push(arbitrary.map((value) => ({ value, pointer: "", keyword })));
    };
    const valid = this.validString(schema, options);

    if (min > 0) {
      add(
        "minLength",
        feasible(
          codePointString(0, min - 1, options.ascii),
          (value) => formatOk(value) && patternOk(value),
        ),
      );
    }
    if (max !== undefined) {
      const stretch = format ? FORMATS[format]?.stretch : undefined;
      // A valid value made longer (its last character repeated keeps most patterns), or any
      // string just over the limit.
      const repeatLast = (value: string, count: number) =>
        value + ([...value].at(-1) ?? "a").repeat(Math.max(0, count));
      const longer = fc
        .tuple(valid, fc.integer({ min: 1, max: 3 }))
        .map(([value, extra]) =>
          (stretch ?? repeatLast)(value, max + extra - codePointLength(value)),
        );
      const anyLonger = codePointString(max + 1, max + 3, options.ascii);
      add(
        "maxLength",
        feasible(
          stretch ? longer : fc.oneof(longer, anyLonger),
          (value) => codePointLength(value) > max && formatOk(value) && patternOk(value),
        ),
      );
    }
    if (pattern) {
      // A valid value with one character changed, or a value another pattern of the spec wants
      // (an external_id shaped like a contact `_id`).
      const confusable = this.patternsInDocument()
        .filter((other) => other.source !== pattern.source)
        .flatMap((other) => stringsMatching(other) ?? []);
      const candidates = fc.oneof(valid.chain(mutated), ...confusable);
      add(
        "pattern",
        feasible(candidates, (value) => !pattern.test(value) && lengthOk(value) && formatOk(value)),
      );
    }
    if (format) {
      const check = formatCheck(format);
      add(
        "format",
        feasible(
          valid.chain(mutated),
          (value) => !check(value) && lengthOk(value) && patternOk(value),
        ),
      );
    }
    return found;
  }

  private arrayViolations(
    schema: SchemaObject,
    options: ArbitraryOptions,
  ): fc.Arbitrary<Violation>[] {
    const found: fc.Arbitrary<Violation>[] = [];
    const itemSchema = (schema.items as JsonSchema | undefined) ?? true;
    const items = this.valid(itemSchema, options);
    const min = (schema.minItems as number | undefined) ?? 0;
    const max = schema.maxItems as number | undefined;
    const badItem = this.invalid(itemSchema, options);
    if (badItem && (max ?? 1) >= 1) {
      const hosts = sized(Math.max(1, min), max ?? Number.POSITIVE_INFINITY, (lo, hi) =>
        fc.array(items, { minLength: lo, maxLength: hi }),
      );
      found.push(
        fc.tuple(hosts, fc.nat(), badItem).map(([host, at, bad]) => {
          const index = at % host.length;
          const value = [...host];
          value[index] = bad.value;
          return { value, pointer: `/${index}${bad.pointer}`, keyword: bad.keyword };
        }),
      );
    }
    if (max !== undefined) {
      found.push(
        fc
          .array(items, { minLength: max + 1, maxLength: max + 2 })
          .map((value) => ({ value, pointer: "", keyword: "maxItems" })),
      );
    }
    if (min > 0) {
      found.push(
        fc
          .array(items, { maxLength: min - 1 })
          .map((value) => ({ value, pointer: "", keyword: "minItems" })),
      );
    }
    return found;
  }

  private objectViolations(
    schema: SchemaObject,
    options: ArbitraryOptions,
  ): fc.Arbitrary<Violation>[] {
    const found: fc.Arbitrary<Violation>[] = [];
    const properties = (schema.properties as Record<string, JsonSchema> | undefined) ?? {};
    const required = (schema.required as string[] | undefined) ?? [];
    const maxProperties = (schema.maxProperties as number | undefined) ?? Number.POSITIVE_INFINITY;
    const minProperties = (schema.minProperties as number | undefined) ?? 0;
    const countOk = (value: Record<string, unknown>, extra = 0) => {
      const count = Object.keys(value).length + extra;
      return count <= maxProperties && count >= minProperties;
    };
    const full = this.validObject(schema, options);

    // One property's value breaks its own schema.
    for (const [name, propertySchema] of Object.entries(properties)) {
      const bad = this.invalid(propertySchema, options);
      if (!bad) continue;
      const hosts = this.validObject(schema, options, new Set([name])).filter((host) =>
        countOk(host, 1),
      );
      found.push(
        fc.tuple(hosts, bad).map(([host, violation]) => ({
          value: objectOf([...Object.entries(host), [name, violation.value]]),
          pointer: `/${escapePointer(name)}${violation.pointer}`,
          keyword: violation.keyword,
        })),
      );
    }
    // A required property is missing.
    for (const name of required) {
      const hosts = this.validObject(schema, options, new Set([name])).filter((host) =>
        countOk(host),
      );
      found.push(
        hosts.map((value) => ({ value, pointer: `/${escapePointer(name)}`, keyword: "required" })),
      );
    }
    const declared = new Set(Object.keys(properties));
    const additional = schema.additionalProperties as JsonSchema | undefined;
    const roomy = full.filter((host) => countOk(host, 1));
    if (additional === false) {
      // One property the schema does not declare.
      // Names the schema does not declare: any, near misses of declared ones, and the names of
      // other schemas' properties (a PATCH sending `external_id` or `_id`).
      const nearMisses = [...declared].flatMap((name) => [
        name.toUpperCase(),
        ` ${name}`,
        `${name}_`,
      ]);
      const elsewhere = this.propertyNamesInDocument();
      const names = fc
        .oneof(
          { weight: 3, arbitrary: this.propertyName(schema) },
          { weight: 1, arbitrary: fc.constantFrom(...nearMisses, ...elsewhere, "__proto__") },
        )
        .filter(
          (name) =>
            !declared.has(name) &&
            stringCheck(this.normalize((schema.propertyNames as JsonSchema) ?? true))(name),
        );
      found.push(
        fc.tuple(roomy, names, anyValue()).map(([host, name, extra]) => ({
          value: objectOf([...Object.entries(host), [name, extra]]),
          pointer: `/${escapePointer(name)}`,
          keyword: "additionalProperties",
        })),
      );
    } else {
      const names = this.propertyName(schema).filter((name) => !declared.has(name));
      if (additional !== undefined && additional !== true) {
        // One extra property whose value breaks additionalProperties.
        const bad = this.invalid(additional, options);
        if (bad) {
          found.push(
            fc.tuple(roomy, names, bad).map(([host, name, violation]) => ({
              value: objectOf([
                ...Object.entries(host).filter(([key]) => key !== name),
                [name, violation.value],
              ]),
              pointer: `/${escapePointer(name)}${violation.pointer}`,
              keyword: violation.keyword,
            })),
          );
        }
      }
      // One property name that propertyNames refuses.
      if (schema.propertyNames !== undefined) {
        const nameSchema = {
          type: "string",
          ...this.normalize(schema.propertyNames as JsonSchema),
        };
        const badName = this.invalid(nameSchema);
        const values =
          additional === undefined || additional === true
            ? anyValue()
            : this.valid(additional, options);
        if (badName) {
          const badNames = badName
            .map((violation) => violation.value)
            .filter((name): name is string => typeof name === "string" && !declared.has(name));
          found.push(
            fc.tuple(roomy, badNames, values).map(([host, name, value]) => ({
              value: objectOf([...Object.entries(host), [name, value]]),
              pointer: "",
              keyword: "propertyNames",
            })),
          );
        }
      }
      // More properties than maxProperties.
      if (Number.isFinite(maxProperties)) {
        const extras = this.extraEntries(schema, options);
        if (extras) {
          // The declared properties, then enough undeclared ones (never a declared name).
          const declaredOnly = this.validObject(schema, options, new Set(), false);
          found.push(
            declaredOnly.chain((host) => {
              const need = maxProperties + 1 - Object.keys(host).length;
              return fc
                .uniqueArray(extras, {
                  minLength: need,
                  maxLength: need + 1,
                  selector: ([name]) => name,
                })
                .map((more) => ({
                  value: objectOf([...Object.entries(host), ...more]),
                  pointer: "",
                  keyword: "maxProperties",
                }));
            }),
          );
        }
      }
    }
    if (minProperties > required.length) {
      const fewer = this.validObject(schema, { ...options, minimal: true }).filter(
        (host) => Object.keys(host).length < minProperties,
      );
      found.push(fewer.map((value) => ({ value, pointer: "", keyword: "minProperties" })));
    }
    return found;
  }

  /** A violation of one branch that no other branch accepts (branches have distinct types). */
  private oneOfViolations(
    branches: JsonSchema[],
    options: ArbitraryOptions,
  ): fc.Arbitrary<Violation>[] {
    this.assertDisjoint(branches);
    return branches.flatMap((branch, index) => {
      const bad = this.invalid(branch, options);
      if (!bad) return [];
      const otherTypes = branches
        .filter((_, other) => other !== index)
        .flatMap((other) => this.typesOf(this.normalize(other)));
      return [bad.filter((violation) => !allows(otherTypes, violation.value))];
    });
  }
}

const TRUE_SCHEMA = {};
const FALSE_SCHEMA = {};

function optionsKey(options: ArbitraryOptions): string {
  return `${options.minimal ? "m" : ""}${options.coerced ? "c" : ""}${options.ascii ? "a" : ""}`;
}

/** Small JSON values of any type, for schemas that accept anything. */
function anyValue(): fc.Arbitrary<unknown> {
  anyValueArbitrary ??= fc
    .oneof(fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 2, stringUnit: "binary" }))
    .map((value) => (Object.is(value, -0) ? 0 : value))
    .filter((value) => Buffer.byteLength(JSON.stringify(value)) <= MAX_ANY_VALUE_BYTES);
  return anyValueArbitrary;
}

let anyValueArbitrary: fc.Arbitrary<unknown> | undefined;

/** Integers within minimum..maximum, biased to both. */
function integerIn(schema: SchemaObject): fc.Arbitrary<number> {
  const min = typeof schema.minimum === "number" ? Math.ceil(schema.minimum) : undefined;
  const max = typeof schema.maximum === "number" ? Math.floor(schema.maximum) : undefined;
  const limits = [min, max].filter((limit): limit is number => limit !== undefined);
  const range = fc.integer({
    min: min ?? Math.min(-1_000_000, (max ?? 0) - 1_000_000),
    max: max ?? Math.max(1_000_000, (min ?? 0) + 1_000_000),
  });
  return limits.length > 0 ? fc.oneof(fc.constantFrom(...limits), range) : range;
}

function numberViolations(
  schema: SchemaObject,
  type: "integer" | "number",
): fc.Arbitrary<Violation>[] {
  const found: fc.Arbitrary<Violation>[] = [];
  const step = type === "integer" ? 1 : Number.EPSILON * 4;
  if (typeof schema.minimum === "number") {
    const below = schema.minimum - step;
    found.push(
      fc
        .oneof(
          fc.constant(type === "integer" ? Math.ceil(schema.minimum) - 1 : below),
          fc.integer({ min: -1_000_000, max: Math.ceil(schema.minimum) - 1 }),
        )
        .map((value) => ({ value, pointer: "", keyword: "minimum" })),
    );
  }
  if (typeof schema.maximum === "number") {
    found.push(
      fc
        .oneof(
          fc.constant(Math.floor(schema.maximum) + 1),
          fc.integer({
            min: Math.floor(schema.maximum) + 1,
            max: Math.floor(schema.maximum) + 1_000_000,
          }),
        )
        .map((value) => ({ value, pointer: "", keyword: "maximum" })),
    );
  }
  return found;
}

/** Values of the same type as `values[0]` that are none of `values`. */
function otherThan(values: unknown[]): fc.Arbitrary<unknown> | undefined {
  const known = new Set(values.map((value) => JSON.stringify(value)));
  const type = jsonTypeOf(values[0]);
  const pool: Partial<Record<JsonType, fc.Arbitrary<unknown>>> = {
    string: fc.oneof(
      fc.string(),
      fc.constantFrom(
        ...values.map((value) => `${String(value)}x`),
        ...values.map((value) => String(value).toUpperCase()),
      ),
    ),
    integer: fc.integer(),
    number: fc.double({ noNaN: true, noDefaultInfinity: true }),
    boolean: fc.boolean(),
  };
  const arbitrary = pool[type];
  return arbitrary ? feasible(arbitrary, (value) => !known.has(JSON.stringify(value))) : undefined;
}

/** Whether a text parameter coerces (as Ajv's coerceTypes does) to one of these types. */
function coercesTo(text: string, types: readonly JsonType[]): boolean {
  const number = text.trim() === "" ? Number.NaN : Number(text);
  return types.some((type) => {
    switch (type) {
      case "integer":
        return Number.isInteger(number);
      case "number":
        return Number.isFinite(number);
      case "boolean":
        return text === "true" || text === "false";
      case "null":
        return text === "";
      default:
        return true;
    }
  });
}

/** Whether a string meets a string schema's length, pattern and format. */
function stringCheck(schema: SchemaObject): (value: string) => boolean {
  const min = (schema.minLength as number | undefined) ?? 0;
  const max = (schema.maxLength as number | undefined) ?? Number.POSITIVE_INFINITY;
  const pattern = typeof schema.pattern === "string" ? new RegExp(schema.pattern, "u") : undefined;
  const format = typeof schema.format === "string" ? formatCheck(schema.format) : undefined;
  return (value) => {
    const length = codePointLength(value);
    return (
      length >= min && length <= max && (pattern?.test(value) ?? true) && (format?.(value) ?? true)
    );
  };
}

let specBridge: SchemaArbitraries | undefined;

/** The bridge over openapi.yaml. */
export function specArbitraries(): SchemaArbitraries {
  specBridge ??= new SchemaArbitraries(loadSpec().document);
  return specBridge;
}

/** Values `schema` (from openapi.yaml, $refs resolved in it) accepts. */
export function validValue(schema: JsonSchema, options?: ArbitraryOptions): fc.Arbitrary<unknown> {
  return specArbitraries().valid(schema, options);
}

/** Values breaking exactly one constraint of `schema`, with where and which; undefined if none. */
export function invalidValues(
  schema: JsonSchema,
  options?: ArbitraryOptions,
): fc.Arbitrary<Violation> | undefined {
  return specArbitraries().invalid(schema, options);
}
