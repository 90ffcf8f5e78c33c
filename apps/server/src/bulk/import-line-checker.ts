/**
 * Checks one import line as POST /v2/contacts checks its body: against the spec's
 * CreateContactRequest schema (compiled from openapi.yaml with Ajv, as the request validator
 * does: all errors, full formats), then the domain's rules (storable JSON, NFC, tags, metadata
 * limits). One definition of the rules, not a copy; a test compares the answers with the API's.
 */
import type { CreateContactRequest, ErrorCode } from "@contacts/api-types";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { ContactValidationError, type FieldProblem } from "../contacts/contact-errors.js";
import { importRowOf } from "../contacts/contact-import.js";
import { isImmutableField } from "../contacts/contact-rules.js";
import type { ImportRow } from "../contacts/contact-store.js";
import { invalid, pointerSegment } from "../http/api-error.js";
import { newContactInput } from "../http/contact-input.js";
import type { OpenApiDocument } from "../spec.js";

/** Why a line was not imported, in the API's error shape (plus its line number). */
export interface LineRejection {
  line: number;
  code: ErrorCode;
  message: string;
  details: FieldProblem[];
}

export type CheckedLine = { row: ImportRow } | { rejection: Omit<LineRejection, "line"> };

/** Compiles the create schema once; `check` is then cheap and synchronous. */
export class ImportLineChecker {
  private readonly validate: ValidateFunction;

  constructor(spec: OpenApiDocument) {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv, { mode: "full" });
    ajv.addSchema(spec as object, "spec");
    this.validate = ajv.compile({ $ref: "spec#/components/schemas/CreateContactRequest" });
  }

  /** A parsed line's value → an import row, or the rejection POST /v2/contacts would answer. */
  check(value: unknown): CheckedLine {
    if (!this.validate(value)) {
      return { rejection: rejectionOf(invalid((this.validate.errors ?? []).map(problemOf))) };
    }
    try {
      return { row: importRowOf(newContactInput(value as CreateContactRequest)) };
    } catch (error) {
      if (error instanceof ContactValidationError) {
        return { rejection: rejectionOf(invalid(error.problems)) };
      }
      throw error;
    }
  }
}

function rejectionOf(error: {
  code: ErrorCode;
  message: string;
  extras: { details?: FieldProblem[] };
}): Omit<LineRejection, "line"> {
  return { code: error.code, message: error.message, details: error.extras.details ?? [] };
}

/** An Ajv error as the API words it (see validatorProblem in http/api-error.ts). */
function problemOf(error: ErrorObject): FieldProblem {
  const path = `/body${error.instancePath}`;
  if (error.keyword === "additionalProperties") {
    const name = String((error.params as { additionalProperty: string }).additionalProperty);
    const namedPath = `${path}/${pointerSegment(name)}`;
    return isImmutableField(name)
      ? { path: namedPath, message: "cannot be changed", code: "immutable_field" }
      : { path: namedPath, message: "is not a known field" };
  }
  if (error.keyword === "required") {
    const name = String((error.params as { missingProperty: string }).missingProperty);
    return {
      path: `${path}/${pointerSegment(name)}`,
      message: `must have required property '${name}'`,
    };
  }
  return { path, message: error.message ?? "is invalid" };
}
