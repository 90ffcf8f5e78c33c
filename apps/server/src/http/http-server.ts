import { createServer, IncomingMessage, type Server, ServerResponse } from "node:http";
import type { Express } from "express";

/**
 * The http.Server for an Express app, with one difference from `app.listen`: requests and
 * responses are born with the app's own prototypes (`app.request`, `app.response`).
 *
 * Why: Express's `app.handle` calls Object.setPrototypeOf on every req and res. Changing an
 * object's prototype makes V8 give it a new, slow shape and throws away the inline caches of
 * every function that touches it afterwards (node:http, the router, the validator, us). When the
 * prototype is already the one asked for, V8 skips the change. Express still does everything it
 * did (same handle(), same prototypes); measured on this machine a one-middleware Express app
 * went from about 10k to 36k requests/s.
 */
export function createHttpServer(app: Express): Server {
  // Should a later Node make them classes (which cannot initialise `this`), fall back to Express's
  // own way: correct, only slower; http-server.test.ts then fails to say so.
  if (isClass(IncomingMessage) || isClass(ServerResponse)) return createServer(app);
  return createServer(
    {
      IncomingMessage: bornWith(IncomingMessage, app.request),
      ServerResponse: bornWith(ServerResponse, app.response),
    },
    app,
  );
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
