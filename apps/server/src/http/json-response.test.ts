import type { AddressInfo } from "node:net";
import express from "express";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_CONNECTION_LIMITS } from "../config.js";
import { createHttpServer } from "./http-server.js";
import { writeJsonInOneGo } from "./json-response.js";

describe("writeJsonInOneGo", () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => close?.());

  /** Serves `body` with res.json and reports how many non-empty socket writes each response took. */
  async function serve(body: unknown, install: boolean) {
    const app = express();
    if (install) writeJsonInOneGo(app);
    const writes: number[] = [];
    app.get("/doc", (req, res) => {
      const socket = req.socket;
      const write = socket.write;
      let count = 0;
      socket.write = function counted(
        this: typeof socket,
        chunk: string | Uint8Array,
        ...rest: never[]
      ) {
        // node:http ends every response with an empty write, which sends nothing.
        if (chunk.length > 0) count += 1;
        return write.call(this, chunk, ...rest);
      } as typeof write;
      res.on("finish", () => {
        socket.write = write;
        writes.push(count);
      });
      res.status(201).json(body);
    });
    const server = createHttpServer(app, DEFAULT_CONNECTION_LIMITS).listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    close = () => new Promise((resolve) => server.close(() => resolve()));
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/doc`);
    return { response, text: await response.text(), writes };
  }

  const large = { name: "Jane Smith ✓", notes: "x".repeat(5000) };

  it("sends a large JSON body with its headers in one socket write", async () => {
    const { response, text, writes } = await serve(large, true);
    expect(response.status).toBe(201);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(Number(response.headers.get("content-length"))).toBe(Buffer.byteLength(text));
    expect(JSON.parse(text)).toEqual(large);
    expect(writes).toEqual([1]);
  });

  it("is needed: Express's own res.json writes headers and a large body separately", async () => {
    const { text, writes } = await serve(large, false);
    expect(JSON.parse(text)).toEqual(large);
    expect(writes[0]).toBeGreaterThan(1);
  });
});
