import { Hono } from "hono";
import { serveHttp, type HttpServer } from "../core/serve-http.ts";
import type { Logger } from "../core/logger.ts";
import { operationsRoutes, type OperationsTargets } from "./routes.ts";

/**
 * The small server a worker starts on METRICS_PORT: /metrics, /healthz, /readyz and nothing
 * else (no data, no secrets), so a Fly.io health check and a Prometheus scrape need no dashboard.
 */
export async function startMetricsServer(
  options: OperationsTargets & { host: string; port: number; log: Logger },
): Promise<HttpServer> {
  const app = new Hono();
  app.route("/", operationsRoutes(options));
  app.notFound((c) => c.text("not found: /metrics, /healthz and /readyz live here", 404));
  const server = await serveHttp(app, { host: options.host, port: options.port, setting: "METRICS_PORT" });
  options.log.info({ url: server.url }, "metrics and health endpoints listening");
  return server;
}
