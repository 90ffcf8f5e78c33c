import type { AddressInfo } from "node:net";
import express from "express";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_CONNECTION_LIMITS } from "../config.js";
import { connectionsCheckingIntervalFor, createHttpServer } from "./http-server.js";

describe("createHttpServer", () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => close?.());

  it("hands Express requests and responses that already have the app's prototypes", async () => {
    const app = express();
    const seen: boolean[] = [];
    const server = createHttpServer(app, DEFAULT_CONNECTION_LIMITS);
    // Runs before Express's handle(), so it sees what node:http built.
    server.prependListener("request", (req, res) => {
      seen.push(Object.getPrototypeOf(req) === app.request);
      seen.push(Object.getPrototypeOf(res) === app.response);
    });
    app.get("/hello/:name", (req, res) => {
      res.status(201).json({ name: req.params.name, path: req.path, app: req.app === app });
    });
    server.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    close = () => new Promise((resolve) => server.close(() => resolve()));

    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/hello/jane?x=1`);

    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ name: "jane", path: "/hello/jane", app: true });
    expect(seen).toEqual([true, true]);
  });
});

describe("connectionsCheckingIntervalFor", () => {
  it.each([
    ["the defaults (10 s headers, 30 s request): every second", 10_000, 30_000, 1000],
    ["a 2 s headers timeout: every 200 ms", 2000, 30_000, 200],
    ["a request timeout shorter than the headers one: a tenth of it", 5000, 1000, 100],
    ["tiny timeouts: no more often than every 10 ms", 20, 20, 10],
  ])("%s", (_name, headersTimeoutMs, requestTimeoutMs, want) => {
    expect(
      connectionsCheckingIntervalFor({
        headersTimeoutMs,
        requestTimeoutMs,
        keepAliveTimeoutMs: 5000,
        maxConnections: 10,
      }),
    ).toBe(want);
  });
});
