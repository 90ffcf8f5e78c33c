import { createRequire } from "node:module";

type PathToRegexp = (path: unknown, options?: object) => { regexp: RegExp; keys: unknown[] };

/** Enough for every path of any spec we serve; anything beyond is compiled as before. */
const MAX_CACHED_PATTERNS = 1000;
/** Marks the memoising wrapper, so installing twice wraps once. */
const CACHED = Symbol("contacts.cachedPathToRegexp");

/**
 * Makes express-openapi-validator compile each spec path's pattern once instead of per request.
 *
 * Why: its route lookup (middlewares/openapi.metadata.js, 5.6.2) calls path-to-regexp's
 * `pathToRegexp` for every spec path on every request: about 6 µs of a ~220 µs retrieve with our
 * two paths, and more with every path the spec gains.
 * The call goes through the module's exports object, so caching at that export fixes it without
 * forking the validator; upstream PR cdimascio/express-openapi-validator#1217 caches the same
 * thing inside the validator, and this can go once a release has it.
 * Safe because the result is only read: `regexp` has no `g` or `y` flag, so `exec` keeps no
 * state, and `keys` are only mapped. Other users of that export (the router compiles through
 * `match`, not this export) get the same results, only memoised.
 * Idempotent; returns whether the cache is in place.
 */
export function cacheValidatorRoutePatterns(): boolean {
  // The path-to-regexp the validator itself resolves, whichever copy npm gave it.
  const validatorRequire = createRequire(
    createRequire(import.meta.url).resolve("express-openapi-validator"),
  );
  const exports = validatorRequire("path-to-regexp") as { pathToRegexp?: PathToRegexp };
  const compile = exports.pathToRegexp;
  if (typeof compile !== "function") return false;
  if (CACHED in compile) return true;

  const compiled = new Map<string, ReturnType<PathToRegexp>>();
  const cached: PathToRegexp = (path, options) => {
    if (typeof path !== "string") return compile(path, options);
    const key = cacheKey(path, options);
    if (key === undefined) return compile(path, options);
    let result = compiled.get(key);
    if (!result) {
      result = compile(path, options);
      if (compiled.size < MAX_CACHED_PATTERNS) compiled.set(key, result);
    }
    return result;
  };
  Object.defineProperty(cached, CACHED, { value: true });
  exports.pathToRegexp = cached;
  return true;
}

/** `path` with its options, or undefined when an option is not a plain value (not cached). */
function cacheKey(path: string, options: object | undefined): string | undefined {
  let key = path;
  for (const [name, value] of Object.entries(options ?? {})) {
    if (value !== null && typeof value === "object") return undefined;
    key += `\u0000${name}=${String(value)}`;
  }
  return key;
}
