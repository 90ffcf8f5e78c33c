import type { Readable } from "node:stream";
import type { operations } from "@contacts/api-types";
import type { Request, Response, Router } from "express";
import type { Principal } from "../auth/api-keys.js";
import type { IdempotencyClaim } from "../idempotency/idempotency-middleware.js";
import type { OpenApiDocument } from "../spec.js";

/** Every operationId in openapi.yaml. */
export type OperationId = keyof operations;

type JsonOf<T> = T extends { content: { "application/json": infer Body } } ? Body : never;
/** Whether a response streams JSON Lines (`application/x-ndjson`), as an export does. */
type IsNdjson<T> = T extends { content: { "application/x-ndjson": unknown } } ? true : false;
type Parameters<K extends OperationId> = operations[K]["parameters"];
type Responses<K extends OperationId> = operations[K]["responses"];
/** The statuses a handler returns; every other status is an error, thrown. */
type SuccessStatus<K extends OperationId> = Extract<
  keyof Responses<K>,
  200 | 201 | 202 | 204 | 304
>;

/** What a handler receives: the request after the validator checked and coerced it. */
export interface OperationInput<K extends OperationId> {
  path: Parameters<K> extends { path: infer P } ? P : never;
  query: Parameters<K> extends { query?: infer Q } ? NonNullable<Q> : never;
  /** The header parameters the spec declares for the operation, under their spec names. */
  headers: Parameters<K> extends { header?: infer H } ? NonNullable<H> : never;
  body: operations[K] extends { requestBody: infer B }
    ? JsonOf<B>
    : operations[K] extends { requestBody?: infer B }
      ? JsonOf<NonNullable<B>> | undefined
      : never;
  principal: Principal;
  requestId: string;
  /** The Idempotency-Key this request claimed, if any: complete it inside the write. */
  idempotency: IdempotencyClaim | undefined;
  /**
   * The request itself, unread when its body is not JSON (an import's JSON Lines): the handler
   * reads it as a stream.
   */
  request: Readable;
}

/** Response headers set by middleware for every operation, not by handlers. */
type MiddlewareHeaders = "Request-Id" | "Idempotent-Replayed" | "Cache-Control";
/** The headers the spec declares for a response, minus the index signature and middleware's. */
type DeclaredHeaders<R> = R extends { headers: infer H }
  ? Omit<{ [P in keyof H as string extends P ? never : P]: H[P] }, MiddlewareHeaders>
  : Record<never, never>;
/** `headers` is required exactly when the spec declares headers the handler must set. */
type WithHeaders<R> = [keyof DeclaredHeaders<R>] extends [never]
  ? { headers?: undefined }
  : { headers: DeclaredHeaders<R> };

/**
 * What a handler returns: one of the operation's documented success statuses with exactly the
 * body (none for 204/304) and the headers the spec gives it. Errors are thrown, not returned.
 */
export type OperationResult<K extends OperationId> = {
  [S in SuccessStatus<K>]: ([JsonOf<Responses<K>[S]>] extends [never]
    ? IsNdjson<Responses<K>[S]> extends true
      ? { status: S; ndjson: AsyncIterable<string> }
      : { status: S }
    : { status: S; body: JsonOf<Responses<K>[S]> }) &
    WithHeaders<Responses<K>[S]>;
}[SuccessStatus<K>];

/** The handler table: one entry per operationId, no more, no fewer. */
export type Handlers = {
  [K in OperationId]: (input: OperationInput<K>) => Promise<OperationResult<K>>;
};

const METHODS = ["get", "put", "post", "delete", "patch", "options", "head", "trace"] as const;

export interface SpecOperation {
  operationId: string;
  method: (typeof METHODS)[number];
  /** The spec's path template, e.g. `/v2/contacts/{id}`. */
  path: string;
  /** The spec's path in Express syntax: `/v2/contacts/{id}` → `/v2/contacts/:id`. */
  route: string;
  /** Names of the header parameters, as the spec spells them. */
  headerNames: string[];
}

interface ParameterObject {
  $ref?: string;
  name?: string;
  in?: string;
}

/** Lists the spec's operations. */
export function specOperations(spec: OpenApiDocument): SpecOperation[] {
  const components = spec.components as
    | { parameters?: Record<string, ParameterObject> }
    | undefined;
  const resolve = (parameter: ParameterObject): ParameterObject => {
    const name = parameter.$ref?.replace("#/components/parameters/", "");
    return name ? (components?.parameters?.[name] ?? parameter) : parameter;
  };
  return Object.entries(spec.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const operation = item[method] as
        | { operationId?: string; parameters?: ParameterObject[] }
        | undefined;
      if (!operation) return [];
      if (!operation.operationId) {
        throw new Error(`${method.toUpperCase()} ${path} has no operationId`);
      }
      const parameters = [
        ...((item.parameters as ParameterObject[] | undefined) ?? []),
        ...(operation.parameters ?? []),
      ].map(resolve);
      return [
        {
          operationId: operation.operationId,
          method,
          path,
          route: path.replace(/\{([^}]+)\}/g, ":$1"),
          headerNames: parameters.flatMap((p) => (p.in === "header" && p.name ? [p.name] : [])),
        },
      ];
    }),
  );
}

/**
 * Routes every spec operation to its handler. Refuses (throws) when the spec and the table
 * disagree, so a server with an unhandled or stray operation never starts.
 */
export function mountOperations(router: Router, spec: OpenApiDocument, handlers: Handlers): void {
  const operations = specOperations(spec);
  const inSpec = new Set(operations.map((op) => op.operationId));
  const inTable = new Set(Object.keys(handlers));
  const unhandled = [...inSpec].filter((id) => !inTable.has(id));
  const stray = [...inTable].filter((id) => !inSpec.has(id));
  if (unhandled.length > 0 || stray.length > 0) {
    throw new Error(
      `openapi.yaml and the handler table disagree: ${[
        unhandled.length > 0 && `no handler for ${unhandled.join(", ")}`,
        stray.length > 0 && `no operation for handler ${stray.join(", ")}`,
      ]
        .filter(Boolean)
        .join("; ")}`,
    );
  }
  for (const { operationId, method, route, headerNames } of operations) {
    const handler = handlers[operationId as OperationId] as unknown as (
      input: OperationInput<OperationId>,
    ) => Promise<{
      status: number;
      body?: unknown;
      ndjson?: AsyncIterable<string>;
      headers?: Record<string, string> | undefined;
    }>;
    router[method](route, async (req: Request, res: Response) => {
      const principal = res.locals.principal;
      if (!principal) throw new Error(`${operationId} reached without an authenticated principal`);
      const result = await handler({
        path: req.params as never,
        query: req.query as never,
        headers: Object.fromEntries(
          headerNames.flatMap((name) => {
            const value = req.get(name);
            return value === undefined ? [] : [[name, value]];
          }),
        ) as never,
        body: req.body as never,
        principal,
        requestId: res.locals.requestId,
        idempotency: res.locals.idempotency,
        request: req,
      });
      if (result.headers) res.set(result.headers);
      if (result.ndjson) await streamLines(res.status(result.status), result.ndjson);
      else if (result.body === undefined) res.status(result.status).end();
      else res.status(result.status).json(result.body);
    });
  }
}

/**
 * Writes JSON Lines as they come, waiting for the client when the socket's buffer is full. Once
 * the status is sent an error can no longer be rendered: the connection is cut instead, so the
 * client sees a broken stream, never a complete-looking one.
 */
async function streamLines(res: Response, lines: AsyncIterable<string>): Promise<void> {
  res.setHeader("Content-Type", "application/x-ndjson; charset=utf-8");
  try {
    for await (const line of lines) {
      if (res.destroyed) return;
      if (!res.write(line)) await drainedOrClosed(res);
    }
  } catch (error) {
    if (!res.headersSent) throw error;
    res.destroy(error as Error);
    return;
  }
  res.end();
}

/**
 * Resolves when the socket drains or the response closes, then removes both listeners: a race of
 * two `events.once` would leave the loser's listeners behind at every full buffer of a long export.
 */
function drainedOrClosed(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const settle = () => {
      res.off("drain", settle);
      res.off("close", settle);
      resolve();
    };
    res.on("drain", settle);
    res.on("close", settle);
  });
}
