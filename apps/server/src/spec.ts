import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

/** openapi.yaml at the repository root, from both src/ (tests) and dist/ (production). */
export const SPEC_PATH = fileURLToPath(new URL("../../../openapi.yaml", import.meta.url));

/** The parsed spec, as the validator and the operation table read it. */
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

export interface LoadedSpec {
  document: OpenApiDocument;
  /** The file's text, served as is at /openapi.yaml. */
  yamlText: string;
}

/** Reads and parses the spec once, at start. */
export function loadSpec(path: string = SPEC_PATH): LoadedSpec {
  const yamlText = readFileSync(path, "utf8");
  return { document: parse(yamlText) as OpenApiDocument, yamlText };
}
