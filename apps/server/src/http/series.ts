import type { NextFunction, Request, RequestHandler, Response } from "express";

/**
 * Runs middleware one after another as a single Express layer, with Express 5's rules: a thrown
 * error or a rejected promise goes to the error handlers, `next(error)` too, and the next layer
 * after the series runs when the last one calls `next()`.
 *
 * Why: every app.use layer costs a trip through the router (path match, params, prefix
 * trimming) on every request; the API pipeline is a fixed sequence that needs none of it.
 * Not supported (none of ours uses them): `next("route")` and `next("router")`.
 */
export function series(...handlers: RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, done: NextFunction) => {
    let index = 0;
    const next: NextFunction = (error?: unknown) => {
      if (error !== undefined && error !== null) return done(error);
      const handler = handlers[index++];
      if (!handler) return done();
      try {
        const result: unknown = handler(req, res, next);
        if (result instanceof Promise) {
          result.catch((rejection: unknown) => next(rejection ?? new Error("Rejected promise")));
        }
      } catch (thrown) {
        next(thrown);
      }
    };
    next();
  };
}
