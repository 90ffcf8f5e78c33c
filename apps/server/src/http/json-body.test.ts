import type { AddressInfo } from "node:net";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CONNECTION_LIMITS } from "../config.js";
import { createLogger } from "../logger.js";
import { errorRenderer } from "./error-renderer.js";
import { createHttpServer } from "./http-server.js";
import { jsonBody, rawBodyOf } from "./json-body.js";

/** An app that reads bodies of at most 16 bytes and echoes what it parsed, and its raw length. */
let baseUrl = "";
let close: () => Promise<void>;
beforeAll(async () => {
  const app = express();
  app.use((_req, res, next) => {
    res.locals.requestId = "req_test";
    next();
  });
  app.post("/echo", ...jsonBody(16), (req, res) => {
    res.json({ body: req.body ?? null, raw: rawBodyOf(req).length });
  });
  app.use(errorRenderer(createLogger("silent")));
  const server = createHttpServer(app, DEFAULT_CONNECTION_LIMITS).listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise((resolve) => server.close(() => resolve()));
});
afterAll(() => close());

const JSON_TYPE = { "content-type": "application/json" };

describe("jsonBody", () => {
  it.each<[string, RequestInit, number, unknown]>([
    [
      "parses a JSON object",
      { body: '{"a":1}', headers: JSON_TYPE },
      200,
      { body: { a: 1 }, raw: 7 },
    ],
    ["parses any JSON value", { body: "[1,2]", headers: JSON_TYPE }, 200, { body: [1, 2], raw: 5 }],
    ["reads an empty body as {}", { body: "", headers: JSON_TYPE }, 200, { body: {}, raw: 0 }],
    [
      "drops a leading BOM",
      { body: '\ufeff{"a":1}', headers: JSON_TYPE },
      200,
      { body: { a: 1 }, raw: 10 },
    ],
    [
      "takes a body of exactly the limit",
      { body: `"${"x".repeat(14)}"`, headers: JSON_TYPE },
      200,
      { body: "x".repeat(14), raw: 16 },
    ],
    ["leaves a request without a body alone", {}, 200, { body: null, raw: 0 }],
    ["refuses malformed JSON", { body: '{"a":', headers: JSON_TYPE }, 400, "malformed_json"],
    [
      "refuses invalid UTF-8",
      { body: new Uint8Array([0x22, 0xff, 0x22]), headers: JSON_TYPE },
      400,
      "malformed_json",
    ],
    [
      "refuses another media type",
      { body: "{}", headers: { "content-type": "text/plain" } },
      415,
      "unsupported_media_type",
    ],
    [
      "refuses a compressed body",
      { body: "{}", headers: { ...JSON_TYPE, "content-encoding": "gzip" } },
      415,
      "unsupported_media_type",
    ],
    [
      "refuses a body over the limit",
      { body: `"${"x".repeat(15)}"`, headers: JSON_TYPE },
      413,
      "payload_too_large",
    ],
  ])("%s", async (_name, init, status, want) => {
    const res = await fetch(`${baseUrl}/echo`, { method: "POST", ...init });
    expect(res.status).toBe(status);
    const json = (await res.json()) as { code?: string };
    if (typeof want === "string") expect(json.code).toBe(want);
    else expect(json).toEqual(want);
  });
});
