import http from "node:http";
import type { AddressInfo } from "node:net";

// Every stand-in server in the tests (stores, sites, Firecrawl, the LLM, ImageKit) is a real
// HTTP server on 127.0.0.1, port 0: what the code under test talks to is a socket, as in
// production, and parallel test files never collide on a port. `close()` ends kept-alive
// and in-flight connections too, so a test file leaves nothing listening behind it.

export interface LocalServer {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  server: http.Server;
  close(): Promise<void>;
}

export async function startLocalServer(handler: http.RequestListener): Promise<LocalServer> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
