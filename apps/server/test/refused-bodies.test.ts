/**
 * Refused requests are answered without reading their bodies: 401, 413, 415 and 429 close the
 * connection (`Connection: close`) while the client is still writing; a Content-Length over the
 * limit gets 413 before any body arrives; `Expect: 100-continue` is answered `100 Continue` only
 * once the request passed auth, rate limit, media type and size; the close comes in stages
 * (FIN after the answer, the socket destroyed once the client closes, 1 s passes or 1 MiB more
 * came). Raw sockets, so the bytes and the closes can be seen.
 */
import { once } from "node:events";
import { connect } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LINGER_MS } from "../src/http/lingering-close.js";
import {
  closedWithin,
  openConnection,
  type RawConnection,
  writeUntilClosed,
} from "./support/raw-connection.js";
import { startTestServer, type TestServer, type TestWorkspace } from "./support/test-server.js";

let server: TestServer;
let ws: TestWorkspace;
/** A server whose rate limit is one request deep: `limited` has spent it, so it gets 429s. */
let throttled: TestServer;
let limited: TestWorkspace;
const connections: RawConnection[] = [];

beforeAll(async () => {
  server = await startTestServer();
  ws = await server.workspace();
  throttled = await startTestServer({ rateLimit: { requestsPerSecond: 0.001, burst: 1 } });
  limited = await throttled.workspace();
  expect((await limited.fetch("/v2/contacts")).status).toBe(200);
});
afterEach(() => {
  for (const connection of connections.splice(0)) connection.socket.destroy();
});
afterAll(async () => {
  await server.close();
  await throttled.close();
});

/** A raw connection to `to` (the unthrottled server by default). */
async function open(to: TestServer = server): Promise<RawConnection> {
  const connection = await openConnection(to.port);
  connections.push(connection);
  return connection;
}

/** Request headers for a create, with a huge declared body. */
function createHeaders(headers: Record<string, string>): string {
  const lines = Object.entries({ Host: "test", ...headers }).map(([k, v]) => `${k}: ${v}\r\n`);
  return `POST /v2/contacts HTTP/1.1\r\n${lines.join("")}\r\n`;
}

const HUGE = "100000000000"; // 100 GB
const JSON_TYPE = "application/json";

/** The status line and headers of the first response in `text`. */
function head(text: string): string {
  return text.slice(0, text.indexOf("\r\n\r\n"));
}

describe("a refused request's body is not read", () => {
  /** A refusal: its status, the request's headers, and the server that refuses it. */
  type Refusal = [string, number, () => Record<string, string>, () => TestServer];
  const unthrottled = () => server;
  it.each<Refusal>([
    ["no key", 401, () => ({ "Content-Type": JSON_TYPE }), unthrottled],
    [
      "an unknown key",
      401,
      () => ({ "Content-Type": JSON_TYPE, Authorization: "Bearer ck_nope_nope" }),
      unthrottled,
    ],
    [
      "another media type",
      415,
      () => ({ "Content-Type": "text/plain", Authorization: `Bearer ${ws.apiKey}` }),
      unthrottled,
    ],
    [
      "a throttled key",
      429,
      () => ({ "Content-Type": JSON_TYPE, Authorization: `Bearer ${limited.apiKey}` }),
      () => throttled,
    ],
  ])(
    "%s: %i, and the connection closes while the client is still writing",
    async (_name, status, headers, to) => {
      const client = await open(to());
      client.socket.write(
        `${createHeaders({ ...headers(), "Transfer-Encoding": "chunked" })}${(64 * 1024 * 1024).toString(16)}\r\n`,
      );
      const written = await writeUntilClosed(client, 3000);
      const closed = await closedWithin(client, 500);
      expect(closed, "the server kept reading").toBeDefined();
      expect(head(client.received())).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(head(client.received())).toMatch(/\r\nConnection: close/i);
      // Kept open, node:http would read all 64 MiB (and the 3 s of writing would not be enough);
      // closed, what got through is what the socket buffers held.
      expect(written).toBeLessThan(16 * 1024 * 1024);
    },
  );

  it("a Content-Length over the limit: 413 at once, before any byte of the body", async () => {
    const client = await open();
    client.socket.write(
      createHeaders({
        "Content-Type": JSON_TYPE,
        Authorization: `Bearer ${ws.apiKey}`,
        "Content-Length": HUGE,
      }),
    );
    const answer = await client.waitFor("\r\n\r\n", 2000);
    expect(head(answer)).toMatch(/^HTTP\/1\.1 413 /);
    expect(head(answer)).toMatch(/\r\nConnection: close/i);
    expect(await closedWithin(client, 1000), "still open").toBeDefined();
  });

  it("a Content-Length of 200000 with no body sent: 413 at once, no wait", async () => {
    const client = await open();
    client.socket.write(
      createHeaders({
        "Content-Type": JSON_TYPE,
        Authorization: `Bearer ${ws.apiKey}`,
        "Content-Length": "200000",
      }),
    );
    expect(head(await client.waitFor("\r\n\r\n", 2000))).toMatch(/^HTTP\/1\.1 413 /);
  });

  it("a chunked body growing past the limit: 413 when it does, and the rest is not read", async () => {
    const client = await open();
    client.socket.write(
      `${createHeaders({
        "Content-Type": JSON_TYPE,
        Authorization: `Bearer ${ws.apiKey}`,
        "Transfer-Encoding": "chunked",
      })}${(64 * 1024 * 1024).toString(16)}\r\n{"external_id":"x","display_name":"`,
    );
    const written = await writeUntilClosed(client, 3000);
    expect(await closedWithin(client, 500), "the server kept reading").toBeDefined();
    expect(head(client.received())).toMatch(/^HTTP\/1\.1 413 /);
    expect(written).toBeLessThan(16 * 1024 * 1024);
  });

  it("an accepted request keeps its connection", async () => {
    const client = await open();
    const body = JSON.stringify({ external_id: "kept-alive" });
    client.socket.write(
      createHeaders({
        "Content-Type": JSON_TYPE,
        Authorization: `Bearer ${ws.apiKey}`,
        "Content-Length": String(body.length),
      }) + body,
    );
    const answer = head(await client.waitFor("\r\n\r\n"));
    expect(answer).toMatch(/^HTTP\/1\.1 201 /);
    expect(answer).toMatch(/\r\nConnection: keep-alive/i);
  });
});

describe("closing a refused connection", () => {
  it("goes in stages: the answer, then FIN, then a moment in which the client's writes get no reset", async () => {
    // Half-open allowed, so that the server's FIN is seen apart from the client's own close.
    const socket = connect({ port: server.port, host: "127.0.0.1", allowHalfOpen: true });
    await once(socket, "connect");
    let received = "";
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
    });
    const errors: string[] = [];
    socket.on("error", (error: NodeJS.ErrnoException) => errors.push(error.code ?? error.message));
    try {
      // No key; 64 KiB of a 1 MiB chunk already sent, which the server leaves unread.
      socket.write(
        `${createHeaders({ "Content-Type": JSON_TYPE, "Transfer-Encoding": "chunked" })}${(1024 * 1024).toString(16)}\r\n${" ".repeat(64 * 1024)}`,
      );
      await once(socket, "end");
      expect(head(received)).toMatch(/^HTTP\/1\.1 401 /);
      // Closed at once, the server's socket would answer these with a reset (ECONNRESET, EPIPE):
      // a client busy writing would then often fail before reading the 401.
      for (let i = 0; i < 20; i++) {
        socket.write(" ".repeat(1024));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(errors).toEqual([]);
      // The client closes its side: the server lets the connection go.
      const closed = once(socket, "close");
      socket.end();
      await closed;
      expect(errors).toEqual([]);
    } finally {
      socket.destroy();
    }
  });
});

describe("closing a refused connection, bounded", () => {
  it("lets the socket go 1 s after the answer when the client neither closes nor writes", async () => {
    const socket = connect({ port: server.port, host: "127.0.0.1", allowHalfOpen: true });
    await once(socket, "connect");
    const errors: string[] = [];
    socket.on("error", (error: NodeJS.ErrnoException) => errors.push(error.code ?? error.message));
    socket.resume();
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    try {
      socket.write(
        `${createHeaders({ "Content-Type": JSON_TYPE, "Transfer-Encoding": "chunked" })}${(1024 * 1024).toString(16)}\r\n${" ".repeat(1024)}`,
      );
      await once(socket, "end");
      // Within the linger, a byte is taken without a reset…
      await sleep(LINGER_MS / 4);
      socket.write(" ");
      await sleep(100);
      expect(errors).toEqual([]);
      // …past it the server's socket is gone: a byte gets a reset, and the next write fails.
      await sleep(LINGER_MS);
      for (let i = 0; i < 40 && errors.length === 0; i++) {
        socket.write(" ");
        await sleep(50);
      }
      expect(errors[0]).toMatch(/ECONNRESET|EPIPE/);
    } finally {
      socket.destroy();
    }
  });
});

describe("Expect: 100-continue", () => {
  const expecting = (headers: Record<string, string>) =>
    createHeaders({ "Content-Type": JSON_TYPE, Expect: "100-continue", ...headers });

  it("is answered 100 Continue once the request may send its body, then 201", async () => {
    const client = await open();
    const body = JSON.stringify({ external_id: "continued" });
    client.socket.write(
      expecting({ Authorization: `Bearer ${ws.apiKey}`, "Content-Length": String(body.length) }),
    );
    expect(await client.waitFor("\r\n\r\n")).toBe("HTTP/1.1 100 Continue\r\n\r\n");
    client.socket.write(body);
    expect(await client.waitFor('"external_id":"continued"')).toMatch(
      /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 201 /,
    );
  });

  it.each<[string, number, () => Record<string, string>, () => TestServer]>([
    ["no key", 401, () => ({ "Content-Length": "100" }), () => server],
    [
      "a body over the limit",
      413,
      () => ({ Authorization: `Bearer ${ws.apiKey}`, "Content-Length": HUGE }),
      () => server,
    ],
    [
      "a throttled key",
      429,
      () => ({ Authorization: `Bearer ${limited.apiKey}`, "Content-Length": "100" }),
      () => throttled,
    ],
  ])(
    "is never answered 100 Continue for %s: %i straight away",
    async (_name, status, headers, to) => {
      const client = await open(to());
      client.socket.write(expecting(headers()));
      const answer = await client.waitFor("\r\n\r\n", 2000);
      expect(answer).not.toContain("100 Continue");
      expect(head(answer)).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(await closedWithin(client, 1000), "still open").toBeDefined();
    },
  );
});
