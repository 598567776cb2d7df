import net from "node:net";

// The network between a suite's processes and its servers: a free port to hand out, and a
// TCP proxy that can cut a connection the way an outage does.

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A TCP proxy (node:net) in front of `target`. `cut()` resets every connection and holds new
 * ones silent (the server is unreachable); `restore()` lets connections through again.
 */
export interface TcpProxy {
  port: number;
  connections(): number;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const live = new Set<net.Socket>();
  const held = new Set<net.Socket>();
  let down = false;
  const server = net.createServer((client) => {
    client.on("error", () => {});
    if (down) {
      held.add(client);
      client.on("close", () => held.delete(client));
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    const close = () => {
      client.destroy();
      upstream.destroy();
      live.delete(client);
      live.delete(upstream);
    };
    live.add(client);
    live.add(upstream);
    upstream.on("error", close);
    client.on("error", close);
    upstream.on("close", close);
    client.on("close", close);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => live.size / 2,
    cut() {
      down = true;
      for (const s of live) s.destroy();
    },
    restore() {
      down = false;
      for (const s of held) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of [...live, ...held]) s.destroy();
        server.close(() => resolve());
      }),
  };
}
