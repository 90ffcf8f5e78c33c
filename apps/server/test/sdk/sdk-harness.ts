import { createServer, type Server, type Socket } from "node:net";
import { type ContactsClientOptions, createContactsClient } from "@contacts/client";
import type { TestServer } from "../support/test-server.js";

/**
 * A client of `server` with any options (another key, no retries…) whose requests still go
 * through the harness's recording fetch, so their responses are checked against the spec.
 */
export function recordedClient(
  server: TestServer,
  options: Omit<ContactsClientOptions, "baseUrl" | "fetch">,
) {
  return createContactsClient({
    ...options,
    baseUrl: server.baseUrl,
    fetch: async (request) => {
      const url = new URL(request.url);
      return server.fetch(`${url.pathname}${url.search}`, {
        method: request.method,
        headers: request.headers,
        body: request.body ? await request.arrayBuffer() : null,
        signal: request.signal,
      });
    },
  });
}

/** A TCP server that accepts connections and never answers: every request to it hangs. */
export async function silentServer(): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const baseUrl = `http://127.0.0.1:${await listen(server)}`;
  return {
    baseUrl,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The address of a port nobody listens on: connections to it are refused. */
export async function refusingBaseUrl(): Promise<string> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") reject(new Error("no port"));
      else resolve(address.port);
    });
  });
}
