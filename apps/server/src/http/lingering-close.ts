// How a connection closes after a response that leaves its request's body unread (a refusal):
// a staged disconnect, as RFC 9112 §9.6 asks. Destroyed at once with unread bytes in its buffer,
// the socket makes the kernel answer the client with a reset, and a client still writing its body
// often fails on that reset before it reads the response: it sees "connection reset" instead of
// the 401 or 413 that says why.
import type { Socket } from "node:net";

/** The longest a refused connection stays half-closed for the client to read its answer. */
export const LINGER_MS = 1000;
/** The most a refused connection reads (and discards) meanwhile: never the whole body. */
export const LINGER_BYTES = 1024 * 1024;

/**
 * Makes the socket's close, once node:http ends it after the response (`destroySoon`), a
 * lingering one: the write side is closed (FIN) and what still comes in is discarded, until the
 * client closes its side, LINGER_MS pass or LINGER_BYTES arrive; then the socket is destroyed.
 */
export function lingerOnClose(socket: Socket): void {
  socket.destroySoon = function lingeringClose(this: Socket) {
    if (this.destroyed) return;
    let discarded = 0;
    const stop = () => {
      clearTimeout(timer);
      this.destroy();
    };
    const timer = setTimeout(stop, LINGER_MS);
    this.on("data", (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > LINGER_BYTES) stop();
    });
    this.once("end", stop);
    this.once("close", () => clearTimeout(timer));
    this.end();
    this.resume();
  };
}
