import type { OpenApiDocument } from "../spec.js";
import { specOperations } from "./operations.js";

/** The spec route a request is for, and its operation when the method is one the route has. */
export interface RouteMatch {
  /** The spec's path template, e.g. `/v2/contacts/{id}`: never the concrete path. */
  route: string;
  /** The operationId, or undefined when the route has no operation for this method. */
  operationId: string | undefined;
}

export type RouteMatcher = (method: string, path: string) => RouteMatch | undefined;

/**
 * Matches a request to the spec's routes the way Express routes it (case-sensitive, strict about
 * trailing slashes, a `{param}` is one non-empty segment). Why not the validator's match: it only
 * exists for requests that reached the validator, and logs, metrics and the `route_not_found`
 * answer need it for every request, including those refused by auth or the rate limit first.
 * `HEAD` is matched as `GET`, as the server answers it.
 */
export function routeMatcher(spec: OpenApiDocument): RouteMatcher {
  const routes = new Map<string, { pattern: RegExp; operations: Map<string, string> }>();
  for (const { path, method, operationId } of specOperations(spec)) {
    let route = routes.get(path);
    if (!route) {
      route = { pattern: patternOf(path), operations: new Map() };
      routes.set(path, route);
    }
    route.operations.set(method.toUpperCase(), operationId);
  }
  const table = [...routes];
  return (method, path) => {
    for (const [template, { pattern, operations }] of table) {
      if (pattern.test(path)) {
        return { route: template, operationId: operations.get(method === "HEAD" ? "GET" : method) };
      }
    }
    return undefined;
  };
}

function patternOf(template: string): RegExp {
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith("{") ? "[^/]+" : part.replace(/[.*+?^$()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`);
}
