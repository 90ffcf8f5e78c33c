import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { cacheValidatorRoutePatterns } from "./validator-route-cache.js";

type Compile = (path: string, options?: object) => { regexp: RegExp; keys: { name: string }[] };

const validatorRequire = createRequire(
  createRequire(import.meta.url).resolve("express-openapi-validator"),
);
const pathToRegexp = () =>
  (validatorRequire("path-to-regexp") as { pathToRegexp: Compile }).pathToRegexp;

describe("cacheValidatorRoutePatterns", () => {
  it("makes the validator's path-to-regexp compile a pattern once per path and options", () => {
    expect(cacheValidatorRoutePatterns()).toBe(true);
    const compile = pathToRegexp();
    const first = compile("/v2/contacts/:ref", { sensitive: true, strict: true });

    expect(compile("/v2/contacts/:ref", { sensitive: true, strict: true })).toBe(first);
    expect(compile("/v2/contacts/:ref", { sensitive: false, strict: true })).not.toBe(first);
    expect(compile("/v2/contacts", { sensitive: true, strict: true })).not.toBe(first);
  });

  it("gives the same matches as before", () => {
    cacheValidatorRoutePatterns();
    const { regexp, keys } = pathToRegexp()("/v2/contacts/:ref", { sensitive: true, strict: true });
    expect(keys.map((key) => key.name)).toEqual(["ref"]);
    expect(regexp.exec("/v2/contacts/jane")?.[1]).toBe("jane");
    expect(regexp.exec("/v2/contacts/jane")?.[1]).toBe("jane");
    expect(regexp.exec("/V2/contacts/jane")).toBeNull();
  });

  it("wraps once however often it is installed", () => {
    cacheValidatorRoutePatterns();
    const compile = pathToRegexp();
    cacheValidatorRoutePatterns();
    expect(pathToRegexp()).toBe(compile);
  });
});
