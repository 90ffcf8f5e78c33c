import net, { type AddressInfo, type Socket } from "node:net";

/**
 * A TCP proxy on 127.0.0.1:0 in front of a real service, so a test can take the service away
 * from the app without stopping it for everyone else: `cut()` closes every connection and
 * refuses new ones, `blackhole()` accepts and forwards nothing (a hung peer), `restore()` mends.
 */
export interface TcpProxy {
  url(scheme: string): string;
  cut(): void;
  blackhole(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: "open" | "cut" | "blackhole" = "open";
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const server = net.createServer((client) => {
    track(client);
    if (mode === "cut") return client.destroy();
    if (mode === "blackhole") return client.resume();
    const upstream = net.connect(target.port, target.host);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    url: (scheme) => `${scheme}://127.0.0.1:${port}`,
    cut() {
      mode = "cut";
      dropAll();
    },
    blackhole() {
      mode = "blackhole";
      // Established connections stop forwarding too: nothing goes through either way.
      for (const socket of sockets) {
        socket.unpipe();
        socket.resume();
      }
    },
    restore() {
      mode = "open";
      dropAll();
    },
    close: () =>
      new Promise<void>((resolve) => {
        dropAll();
        server.close(() => resolve());
      }),
  };
}
