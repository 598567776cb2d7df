import type { Clock } from "../core/clock.ts";
import { serveHttp, type HttpServer } from "../core/serve-http.ts";
import type { Logger } from "../core/logger.ts";
import { createMetrics } from "../metrics/metrics.ts";
import { accessPolicy, type AccessPolicy } from "./access.ts";
import { createDashboardApp, type DashboardDeps } from "./app.ts";

// `coffee-scraper dashboard`, and the dashboard inside `start`: the access policy is settled
// first (a non-loopback bind without credentials never listens), then the app is served on
// DASHBOARD_HOST:DASHBOARD_PORT.

export interface Dashboard extends HttpServer {
  policy: AccessPolicy;
}

export async function startDashboard(
  deps: Omit<DashboardDeps, "metrics" | "clock"> & { metrics?: DashboardDeps["metrics"] | undefined; clock: Clock; log: Logger },
): Promise<Dashboard> {
  const policy = accessPolicy(deps.settings);
  const { app, close } = await createDashboardApp({ ...deps, metrics: deps.metrics ?? createMetrics() }, policy);
  let server: HttpServer;
  try {
    server = await serveHttp(app, { host: deps.settings.DASHBOARD_HOST, port: deps.settings.DASHBOARD_PORT, setting: "DASHBOARD_PORT" });
  } catch (err) {
    await close();
    throw err;
  }
  deps.log.info(
    { url: server.url, auth: policy.authRequired ? [policy.token ? "token" : null, policy.basic ? "basic" : null].filter(Boolean) : "loopback only" },
    "dashboard listening",
  );
  return {
    ...server,
    policy,
    async close() {
      await server.close();
      await close();
    },
  };
}
