import { connect, type Socket } from "node:net";

/** A raw TCP connection to the test server, for what fetch cannot show: timing, bytes, closes. */
export interface RawConnection {
  socket: Socket;
  /** Milliseconds since the connection was opened. */
  elapsed(): number;
  /** Everything the server sent so far, as text. */
  received(): string;
  /** Settles when the server (or an error) closed the connection, with when it happened. */
  closed: Promise<{ afterMs: number; error?: string }>;
  /** Resolves with what arrived once `text` is in it, or rejects after `timeoutMs`. */
  waitFor(text: string, timeoutMs?: number): Promise<string>;
}

/** Opens a connection to 127.0.0.1:`port` and resolves once it is connected. */
export async function openConnection(port: number): Promise<RawConnection> {
  const socket = connect(port, "127.0.0.1");
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  let received = "";
  const waiters = new Set<() => void>();
  socket.on("data", (chunk: Buffer) => {
    received += chunk.toString("latin1");
    for (const wake of waiters) wake();
  });
  const closed = new Promise<{ afterMs: number; error?: string }>((resolve) => {
    let error: string | undefined;
    socket.on("error", (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
    });
    socket.on("close", () => {
      resolve({ afterMs: elapsed(), ...(error !== undefined && { error }) });
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return {
    socket,
    elapsed,
    received: () => received,
    closed,
    waitFor: (text, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (received.includes(text)) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(received);
          } else if (socket.destroyed) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(
              new Error(`closed without ${JSON.stringify(text)}; got ${JSON.stringify(received)}`),
            );
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `no ${JSON.stringify(text)} in ${timeoutMs} ms; got ${JSON.stringify(received)}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
  };
}

/** Settles with the close, or with undefined when the connection is still open after `ms`. */
export function closedWithin(
  connection: RawConnection,
  ms: number,
): Promise<{ afterMs: number; error?: string } | undefined> {
  return Promise.race([
    connection.closed,
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms)),
  ]);
}

/**
 * Writes body bytes, 64 KiB a millisecond at most, until the server closes the connection or
 * `maxMs` pass; returns how many bytes the client handed over. Paced, so that what the server
 * answers is read as it comes (a write error after the server's close ends the socket).
 */
export async function writeUntilClosed(connection: RawConnection, maxMs: number): Promise<number> {
  const { socket } = connection;
  socket.on("error", () => {});
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let written = 0;
  let open = true;
  void connection.closed.then(() => {
    open = false;
  });
  const started = performance.now();
  while (open && !socket.destroyed && performance.now() - started < maxMs) {
    if (socket.write(chunk)) written += chunk.length;
    else {
      written += chunk.length;
      await Promise.race([
        new Promise((resolve) => socket.once("drain", resolve)),
        connection.closed,
        new Promise((resolve) => setTimeout(resolve, 50)),
      ]);
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return written;
}
