import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { loadSpec, type OpenApiDocument } from "../../src/spec.js";

/** One HTTP exchange as a test saw it. */
export interface Exchange {
  method: string;
  url: string;
  status: number;
  headers: Headers;
  /** Parsed JSON, or the raw text when the body is not JSON, or undefined when empty. */
  body: unknown;
}

interface ResponseObject {
  $ref?: string;
  headers?: Record<string, { $ref?: string; required?: boolean }>;
  content?: Record<string, unknown>;
}

/**
 * Checks exchanges against openapi.yaml with an Ajv of its own (independent of the server's
 * validator): the operation must document the status, the body must match its schema, required
 * headers must be present, and an undocumented body must be absent. A `HEAD` is checked as the
 * route's `GET` (the spec's conventions say so), with no body at all.
 */
export class SpecValidator {
  readonly spec: OpenApiDocument;
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly routes: { template: string; pattern: RegExp }[];

  constructor(spec: OpenApiDocument = loadSpec().document) {
    this.spec = spec;
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(this.ajv, { mode: "full" });
    this.ajv.addSchema(spec as object, "spec");
    this.routes = Object.keys(spec.paths).map((template) => ({
      template,
      pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`),
    }));
  }

  /** The spec's path template for a concrete URL path, if any. */
  templateOf(pathname: string): string | undefined {
    return this.routes.find((route) => route.pattern.test(pathname))?.template;
  }

  /** Problems with one exchange; empty when it conforms. */
  problemsOf(exchange: Exchange): string[] {
    const { pathname } = new URL(exchange.url);
    const template = this.templateOf(pathname);
    if (!template) return []; // outside the API (health, /openapi.yaml)
    const head = exchange.method === "HEAD";
    const method = head ? "get" : exchange.method.toLowerCase();
    const operation = this.spec.paths[template]?.[method] as
      | { operationId: string; responses: Record<string, ResponseObject> }
      | undefined;
    const label = `${exchange.method} ${pathname} → ${exchange.status}`;
    if (!operation) return exchange.status === 405 ? [] : [`${label}: method not in the spec`];
    const pointer = `#/paths/${escapePointer(template)}/${method}/responses/${exchange.status}`;
    const documented = operation.responses[String(exchange.status)];
    if (!documented) return [`${label}: status not documented for ${operation.operationId}`];
    const response = this.resolve(documented);
    const problems: string[] = [];
    if (!exchange.headers.get("request-id")) problems.push(`${label}: no Request-Id header`);
    for (const [name, header] of Object.entries(response.headers ?? {})) {
      const required = header.required ?? this.resolveHeader(header).required;
      if (required && !exchange.headers.has(name)) problems.push(`${label}: no ${name} header`);
    }
    if (head) {
      if (exchange.body !== undefined) problems.push(`${label}: a HEAD answer has a body`);
      return problems;
    }
    if (!response.content) {
      if (exchange.body !== undefined) problems.push(`${label}: has a body, the spec says none`);
      return problems;
    }
    const contentType = exchange.headers.get("content-type") ?? "";
    const lines = response.content["application/x-ndjson"] as
      | { "x-json-lines"?: { $ref: string } }
      | undefined;
    if (lines && contentType.startsWith("application/x-ndjson")) {
      // JSON Lines: each line must match the schema the spec names for one line.
      const validate = this.validatorFor(`spec${lines["x-json-lines"]?.$ref ?? "#"}`);
      // A one-line body was parsed as JSON by the recorder: it is that line.
      const text =
        typeof exchange.body === "string"
          ? exchange.body
          : exchange.body === undefined
            ? ""
            : JSON.stringify(exchange.body);
      for (const [i, line] of text.split("\n").entries()) {
        if (line === "") continue;
        if (!validate(JSON.parse(line))) {
          problems.push(`${label}: line ${i + 1}: ${this.ajv.errorsText(validate.errors)}`);
        }
      }
      return problems;
    }
    if (!contentType.startsWith("application/json")) {
      return [...problems, `${label}: content-type ${contentType}, want application/json`];
    }
    const ref = documented.$ref ?? pointer;
    const validate = this.validatorFor(`spec${ref}/content/application~1json/schema`);
    if (!validate(exchange.body)) {
      problems.push(`${label}: ${this.ajv.errorsText(validate.errors)}`);
    }
    return problems;
  }

  /** Problems of `value` against a schema of components/schemas; empty when it conforms. */
  schemaProblems(schema: string, value: unknown): string[] {
    const validate = this.validatorFor(`spec#/components/schemas/${schema}`);
    return validate(value) ? [] : [this.ajv.errorsText(validate.errors)];
  }

  private validatorFor(ref: string): ValidateFunction {
    let validate = this.compiled.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: ref });
      this.compiled.set(ref, validate);
    }
    return validate;
  }

  private resolve(response: ResponseObject): ResponseObject {
    return response.$ref ? (this.lookup(response.$ref) as ResponseObject) : response;
  }

  private resolveHeader(header: { $ref?: string; required?: boolean }): { required?: boolean } {
    return header.$ref ? (this.lookup(header.$ref) as { required?: boolean }) : header;
  }

  private lookup(ref: string): unknown {
    return ref
      .replace(/^#\//, "")
      .split("/")
      .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
      .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], this.spec);
  }
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}
