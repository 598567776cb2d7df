import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import type { Hono } from "hono";
import { after } from "./timers.ts";

// A Hono app on node:http: listening is awaited (a port in use is an error, not a crash
// later), and close() ends idle keep-alive connections so shutdown is prompt.

export interface HttpServer {
  /** e.g. http://127.0.0.1:3000 */
  url: string;
  port: number;
  close(): Promise<void>;
}

export class PortInUseError extends Error {
  constructor(readonly setting: string, host: string, port: number) {
    super(`${setting}: ${host}:${port} is already in use; choose another port with ${setting}`);
    this.name = "PortInUseError";
  }
}

export async function serveHttp(app: Hono, options: { host: string; port: number; setting: string }): Promise<HttpServer> {
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(err.code === "EADDRINUSE" ? new PortInUseError(options.setting, options.host, options.port) : err);
    };
    server.once("error", onError);
    server.listen(options.port, options.host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    url: `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        after(2000, () => server.closeAllConnections()).unref();
      }),
  };
}
