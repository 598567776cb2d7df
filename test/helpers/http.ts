import type { IncomingMessage, ServerResponse } from "node:http";
import { startLocalServer } from "./local-server.ts";

export interface TestServer {
  url: string;
  /** Every request, in arrival order, with its arrival time. */
  requests: { path: string; at: number }[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1, port 0, playing a store. */
export async function startTestServer(
  handler: (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>,
): Promise<TestServer> {
  const requests: TestServer["requests"] = [];
  const local = await startLocalServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    requests.push({ path: url.pathname + url.search, at: Date.now() });
    Promise.resolve(handler(req, res, url)).catch((err: unknown) => {
      res.statusCode = 500;
      res.end(String(err));
    });
  });
  local.server.keepAliveTimeout = 1;
  return { url: local.url, requests, close: local.close };
}

/** The cookies a response sets (cleared ones left out), as a Cookie request header. */
export function cookieHeaderOf(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0]!)
    .filter((c) => !c.endsWith("="))
    .join("; ");
}
