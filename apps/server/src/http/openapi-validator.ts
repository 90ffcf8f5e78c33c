import type { RequestHandler } from "express";
import * as OpenApiValidator from "express-openapi-validator";
import type { OpenApiDocument } from "../spec.js";
import { cacheValidatorRoutePatterns } from "./validator-route-cache.js";

/**
 * Request validation from the spec (always), response validation too when asked (tests, dev).
 * Security is not checked here: the auth middleware before it owns that.
 */
export function openApiValidator(
  spec: OpenApiDocument,
  validateResponses: boolean,
): RequestHandler[] {
  cacheValidatorRoutePatterns();
  return OpenApiValidator.middleware({
    // The validator resolves $refs in place; give it its own copy.
    apiSpec: structuredClone(spec) as unknown as Parameters<
      typeof OpenApiValidator.middleware
    >[0]["apiSpec"],
    validateRequests: { allErrors: true, allowUnknownQueryParameters: false },
    validateResponses: validateResponses ? { allErrors: true } : false,
    validateSecurity: false,
    validateFormats: true,
    ajvFormats: { mode: "full" },
    // Paths outside the spec (health, /openapi.yaml) are routed before the validator.
    ignoreUndocumented: false,
  }) as RequestHandler[];
}
