import type { AddressInfo } from "node:net";
import express, { type ErrorRequestHandler, type RequestHandler } from "express";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_CONNECTION_LIMITS } from "../config.js";
import { createHttpServer } from "./http-server.js";
import { series } from "./series.js";

describe("series", () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => close?.());

  /** Serves GET /t through `steps`, then a final handler; errors are answered as 500 + message. */
  async function request(...steps: RequestHandler[]): Promise<string> {
    const app = express();
    app.use((_req, res, next) => {
      res.locals.trail = [];
      next();
    });
    app.use(series(...steps));
    app.get("/t", (_req, res) => {
      res.json({ trail: res.locals.trail });
    });
    const onError: ErrorRequestHandler = (error: Error, _req, res, _next) => {
      res.status(500).json({ trail: res.locals.trail, error: error.message });
    };
    app.use(onError);
    const server = createHttpServer(app, DEFAULT_CONNECTION_LIMITS).listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    close = () => new Promise((resolve) => server.close(() => resolve()));
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/t`);
    return `${response.status} ${await response.text()}`;
  }

  const step =
    (name: string): RequestHandler =>
    (_req, res, next) => {
      res.locals.trail.push(name);
      next();
    };

  it("runs every step in order, then the next layer", async () => {
    const later: RequestHandler = async (_req, res, next) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      res.locals.trail.push("async");
      next();
    };
    expect(await request(step("a"), later, step("b"))).toBe('200 {"trail":["a","async","b"]}');
  });

  it("sends next(error), a throw and a rejection to the error handlers, skipping the rest", async () => {
    const passes: RequestHandler = (_req, _res, next) => next(new Error("passed"));
    const throws: RequestHandler = () => {
      throw new Error("thrown");
    };
    const rejects: RequestHandler = async () => {
      throw new Error("rejected");
    };
    for (const [failing, message] of [
      [passes, "passed"],
      [throws, "thrown"],
      [rejects, "rejected"],
    ] as const) {
      expect(await request(step("a"), failing, step("b"))).toBe(
        `500 {"trail":["a"],"error":"${message}"}`,
      );
      await close?.();
    }
  });

  it("lets a step answer the request itself", async () => {
    const answers: RequestHandler = (_req, res) => {
      res.status(202).json({ trail: res.locals.trail });
    };
    expect(await request(step("a"), answers, step("b"))).toBe('202 {"trail":["a"]}');
  });
});
