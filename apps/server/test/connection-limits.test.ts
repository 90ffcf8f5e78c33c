/**
 * Connection-level protection, over raw sockets: idle and slow connections are closed at the
 * configured timeouts (not up to 30 s later, as node:http's default checking interval allowed),
 * and connections beyond MAX_CONNECTIONS are closed at once while existing clients are served.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { closedWithin, openConnection, type RawConnection } from "./support/raw-connection.js";
import { processRunner } from "./support/server-process.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

/** Scheduling slack on a shared, busy machine; the timeouts themselves are a few hundred ms. */
const SLACK_MS = 700;

let server: TestServer | undefined;
const connections: RawConnection[] = [];
afterEach(async () => {
  for (const connection of connections.splice(0)) connection.socket.destroy();
  await server?.close();
  server = undefined;
});

async function open(port: number): Promise<RawConnection> {
  const connection = await openConnection(port);
  connections.push(connection);
  return connection;
}

const GET_HEALTH = "GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n";

describe("timeouts", () => {
  it("closes a connection that sends nothing within the headers timeout", async () => {
    server = await startTestServer({
      connections: { headersTimeoutMs: 500, requestTimeoutMs: 5000 },
    });
    const idle = await open(server.port);
    const closed = await closedWithin(idle, 500 + SLACK_MS);
    expect(closed, "still open").toBeDefined();
    expect(closed?.afterMs).toBeGreaterThanOrEqual(450);
    expect(idle.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("closes a connection whose headers trickle in past the headers timeout", async () => {
    server = await startTestServer({
      connections: { headersTimeoutMs: 500, requestTimeoutMs: 5000 },
    });
    const slow = await open(server.port);
    slow.socket.write("GET /healthz HTTP/1.1\r\n");
    const trickle = setInterval(() => slow.socket.write("X-A: b\r\n"), 50);
    try {
      const closed = await closedWithin(slow, 500 + SLACK_MS);
      expect(closed, "still open").toBeDefined();
      expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      clearInterval(trickle);
    }
  });

  it("answers 408 to a request whose declared body never comes, at the request timeout", async () => {
    server = await startTestServer({
      connections: { headersTimeoutMs: 300, requestTimeoutMs: 800 },
    });
    const ws = await server.workspace();
    const waiting = await open(server.port);
    waiting.socket.write(
      "POST /v2/contacts HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n" +
        `Authorization: Bearer ${ws.apiKey}\r\nContent-Length: 100\r\n\r\n{"external_id":`,
    );
    const closed = await closedWithin(waiting, 800 + SLACK_MS);
    expect(closed, "still open").toBeDefined();
    expect(closed?.afterMs).toBeGreaterThanOrEqual(700);
    expect(waiting.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("closes an idle keep-alive connection after the keep-alive timeout (+ node:http's 1 s)", async () => {
    server = await startTestServer({ connections: { keepAliveTimeoutMs: 300 } });
    const client = await open(server.port);
    client.socket.write(GET_HEALTH);
    await client.waitFor('{"status":"ok"}');
    expect(client.received()).toContain("Keep-Alive: timeout=0");
    const answeredAt = client.elapsed();
    // node:http waits 1 s past the advertised timeout, so that the client closes first.
    const closed = await closedWithin(client, 1300 + SLACK_MS);
    expect(closed, "still open").toBeDefined();
    expect((closed?.afterMs ?? 0) - answeredAt).toBeGreaterThanOrEqual(1200);
  });
});

describe("a client that stops reading", () => {
  it("loses its connection once nothing moved either way for the request timeout", async () => {
    server = await startTestServer({
      connections: { headersTimeoutMs: 300, requestTimeoutMs: 600 },
    });
    const ws = await server.workspace();
    // 50 contacts of ~16 KB: every list page is ~800 KB.
    const metadata = Object.fromEntries(
      Array.from({ length: 15 }, (_, i) => [`k${i}`, "x".repeat(1000)]),
    );
    for (let i = 0; i < 50; i++) {
      const res = await ws.fetch("/v2/contacts", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ external_id: `big-${i}`, metadata }),
      });
      expect(res.status).toBe(201);
    }
    const reader = await open(server.port);
    reader.socket.pause(); // reads nothing: the responses pile up in the socket buffers
    const list = `GET /v2/contacts?limit=50 HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer ${ws.apiKey}\r\n\r\n`;
    reader.socket.write(list.repeat(40));
    // The server writes until the socket buffers are full, then nothing moves: it closes the
    // connection while the client still has not read a byte, long before the 40 answers (~32 MB).
    const started = performance.now();
    while ((await server.openConnections()) > 0 && performance.now() - started < 15_000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await server.openConnections()).toBe(0);
    reader.socket.on("error", () => {});
    reader.socket.resume();
    await closedWithin(reader, 5000);
    expect(reader.received().split("HTTP/1.1 200 ").length - 1).toBeLessThan(40);
  });
});

describe("MAX_CONNECTIONS", () => {
  it("closes connections over the cap at once, unanswered, while existing clients are served", async () => {
    server = await startTestServer({ connections: { maxConnections: 3 } });
    const served = await open(server.port);
    served.socket.write(GET_HEALTH);
    await served.waitFor('{"status":"ok"}');
    const idle = [await open(server.port), await open(server.port)];
    // Let the server accept both before the next one comes.
    await new Promise((resolve) => setTimeout(resolve, 100));

    const over = await open(server.port);
    over.socket.on("error", () => {});
    over.socket.write(GET_HEALTH);
    const refused = await closedWithin(over, 1000);
    expect(refused, "the connection over the cap stayed open").toBeDefined();
    expect(over.received()).toBe("");

    // The client that was already connected is still served on its connection.
    const before = served.received().length;
    served.socket.write(GET_HEALTH);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no second answer")), 5000);
      served.socket.on("data", () => {
        if (served.received().slice(before).includes('{"status":"ok"}')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    expect(served.received().slice(before)).toMatch(/^HTTP\/1\.1 200 /);

    // Once one closes, a new connection is served again.
    idle[0]?.socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const next = await open(server.port);
    next.socket.write(GET_HEALTH);
    expect(await next.waitFor('{"status":"ok"}')).toMatch(/^HTTP\/1\.1 200 /);
  });
});

describe("as operators run it (npm start's main.ts, configured by the environment)", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "contacts-connections-"));
  const runner = processRunner({
    DATABASE_URL: join(dataDir, "contacts.db"),
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "info",
    MAX_CONNECTIONS: "2",
    HEADERS_TIMEOUT_MS: "500",
    REQUEST_TIMEOUT_MS: "1000",
  });
  afterAll(() => {
    runner.killAll();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("applies MAX_CONNECTIONS and HEADERS_TIMEOUT_MS, and logs refused connections", async () => {
    const server = await runner.startServer();
    const port = Number(new URL(server.url).port);
    const idle = [await open(port), await open(port)];
    await new Promise((resolve) => setTimeout(resolve, 100));
    const over = await open(port);
    over.socket.on("error", () => {});
    expect(await closedWithin(over, 1000), "the connection over the cap stayed open").toBeDefined();
    expect(over.received()).toBe("");
    for (const connection of idle) {
      const closed = await closedWithin(connection, 500 + SLACK_MS);
      expect(closed, "an idle connection outlived HEADERS_TIMEOUT_MS").toBeDefined();
    }
    expect(server.out()).toContain('"msg":"connection closed: MAX_CONNECTIONS reached"');
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
  }, 30_000);
});
