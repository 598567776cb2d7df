import type { Settings } from "../config/settings.ts";
import type { Clock } from "../core/clock.ts";
import type { Database } from "../db/database.ts";
import type { Logger } from "../core/logger.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { ArtifactStore } from "../pipeline/artifacts/store.ts";
import { PortInUseError, type HttpServer } from "../core/serve-http.ts";
import { createMetrics } from "../metrics/metrics.ts";
import { startMetricsServer } from "../metrics/server.ts";
import type { QueueBackend } from "../queue/backend.ts";
import { startDashboard } from "./server.ts";

/** What the operations servers read: the database, the stored pages, this process's metrics. */
export interface OperationsDeps {
  settings: Settings;
  db: Database;
  log: Logger;
  clock: Clock;
  artifacts: ArtifactStore;
  /** This process's registry; a fresh one when absent. */
  metrics?: Metrics;
}

/**
 * What `start` serves next to its scheduler and worker: the dashboard (with /metrics,
 * /healthz, /readyz) on DASHBOARD_HOST:DASHBOARD_PORT, and the bare metrics server on
 * METRICS_PORT when that is set. Both see this process's queue and metrics.
 */
export async function startOperationsServers(deps: OperationsDeps, queue: QueueBackend): Promise<{ close(): Promise<void> }> {
  const { settings, log } = deps;
  const metrics = deps.metrics ?? createMetrics();
  const servers: HttpServer[] = [];
  // A port in use does not stop the scraping `start` is for: it is reported and skipped.
  // Serving the dashboard off loopback without credentials is refused (DashboardAccessError).
  const skipBusyPort = (err: unknown) => {
    if (!(err instanceof PortInUseError)) throw err;
    log.warn({ problem: err.message }, "not serving it: the port is in use");
    return null;
  };
  try {
    const dashboard = await startDashboard({ settings, db: deps.db, queue, log, clock: deps.clock, metrics, artifacts: deps.artifacts }).catch(
      skipBusyPort,
    );
    if (dashboard) servers.push(dashboard);
    if (settings.METRICS_PORT !== undefined) {
      const server = await startMetricsServer({ host: settings.METRICS_HOST, port: settings.METRICS_PORT, metrics, db: deps.db, queue, log }).catch(
        skipBusyPort,
      );
      if (server) servers.push(server);
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    throw err;
  }
  return { close: async () => void (await Promise.all(servers.map((s) => s.close()))) };
}
