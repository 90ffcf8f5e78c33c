import {
  createServer,
  IncomingMessage,
  type Server,
  type ServerOptions,
  ServerResponse,
} from "node:http";
import type { Express } from "express";

/** What bounds a connection's life and how many there may be (config.ts reads them). */
export interface ConnectionLimits {
  /** Time to send the request headers, counted from the connection's or the request's start. */
  headersTimeoutMs: number;
  /** Time to send the whole request; also the longest a connection may stay silent both ways. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open between requests. */
  keepAliveTimeoutMs: number;
  /** Open connections at most (0: no cap); node:http closes the ones beyond at once. */
  maxConnections: number;
}

/**
 * How often node:http looks for connections past their headers or request timeout. Node checks
 * every 30 s by default, so an idle socket outlived a 10 s headers timeout by up to 30 s; a tenth
 * of the shorter timeout (at most 1 s) closes it at most that late.
 */
export function connectionsCheckingIntervalFor(limits: ConnectionLimits): number {
  const shorter = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  return Math.min(1000, Math.max(10, Math.floor(shorter / 10)));
}

/**
 * The http.Server for an Express app, with its connection limits applied and two differences
 * from `app.listen`:
 *
 * - `Expect: 100-continue` is not answered by node:http at once: the request goes to the app,
 *   whose body reader sends `100 Continue` only once auth, rate limit, media type and size
 *   checks have passed (json-body.ts), so a refused client never sends its body.
 * - Requests and responses are born with the app's own prototypes (`app.request`, `app.response`).
 *
 * Why the prototypes: Express's `app.handle` calls Object.setPrototypeOf on every req and res. Changing an
 * object's prototype makes V8 give it a new, slow shape and throws away the inline caches of
 * every function that touches it afterwards (node:http, the router, the validator, us). When the
 * prototype is already the one asked for, V8 skips the change. Express still does everything it
 * did (same handle(), same prototypes); measured on this machine a one-middleware Express app
 * went from about 10k to 36k requests/s.
 */
export function createHttpServer(app: Express, limits: ConnectionLimits): Server {
  const options: ServerOptions & { connectionsCheckingInterval: number } = {
    connectionsCheckingInterval: connectionsCheckingIntervalFor(limits),
  };
  // Should a later Node make them classes (which cannot initialise `this`), fall back to Express's
  // own way: correct, only slower; http-server.test.ts then fails to say so.
  if (!isClass(IncomingMessage) && !isClass(ServerResponse)) {
    options.IncomingMessage = bornWith(IncomingMessage, app.request);
    options.ServerResponse = bornWith(ServerResponse, app.response);
  }
  const server = createServer(options, app);
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  // A connection silent both ways this long is closed: a client that stopped reading a response
  // would otherwise hold its connection (and the unsent response) forever. Past the request
  // timeout by two checks, so that a request still coming in gets its 408 first.
  server.timeout = limits.requestTimeoutMs + 2 * options.connectionsCheckingInterval;
  if (limits.maxConnections > 0) server.maxConnections = limits.maxConnections;
  // With a listener here, node:http leaves the 100 Continue to the app (see above).
  server.on("checkContinue", (req, res) => server.emit("request", req, res));
  return server;
}

/**
 * A constructor that builds a `Base` whose prototype is `prototype` (which must extend Base's).
 * node:http's IncomingMessage and ServerResponse are plain functions, so they can initialise
 * `this` directly. (Reflect.construct with a new.target would also work, but V8 then builds every
 * response on a slow path: a one-middleware app fell to 4k requests/s.)
 */
function bornWith<T extends object>(Base: T, prototype: object): T {
  const init = Base as unknown as (this: object, ...args: unknown[]) => void;
  function Born(this: object, ...args: unknown[]): void {
    init.apply(this, args);
  }
  Born.prototype = prototype;
  return Born as unknown as T;
}

function isClass(fn: object): boolean {
  return Function.prototype.toString.call(fn).startsWith("class");
}
