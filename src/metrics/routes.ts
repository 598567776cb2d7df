import { Hono } from "hono";
import type { Queryable } from "../db/database.ts";
import { ping } from "../db/ping.ts";
import type { QueueBackend } from "../queue/backend.ts";
import type { Metrics } from "./metrics.ts";
import { after } from "../core/timers.ts";

// /metrics (Prometheus text), /healthz (the process is up) and /readyz (its database and
// queue answer): served by the dashboard and, on METRICS_PORT, by worker processes.

export interface OperationsTargets {
  metrics: Metrics;
  db: Queryable;
  /** Null when this process has no queue of its own to check. */
  queue: QueueBackend | null;
}

const CHECK_TIMEOUT_MS = 3000;

async function reachable(work: () => Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = after(CHECK_TIMEOUT_MS, () => resolve(false))));
  try {
    return await Promise.race([work().then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export function operationsRoutes(targets: OperationsTargets): Hono {
  const { metrics, db, queue } = targets;
  if (queue) metrics.watchQueue(() => queue.counts());
  metrics.collectProcessMetrics();
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    const [database, q] = await Promise.all([
      reachable(() => ping(db)),
      queue ? reachable(() => queue.counts()) : Promise.resolve(null),
    ]);
    const ready = database && q !== false;
    c.header("Cache-Control", "no-store");
    return c.json(
      { ready, database: database ? "ok" : "unreachable", queue: q === null ? "not used" : q ? "ok" : "unreachable" },
      ready ? 200 : 503,
    );
  });
  app.get("/metrics", async (c) => {
    const body = await metrics.registry.metrics();
    return c.body(body, 200, { "Content-Type": metrics.registry.contentType, "Cache-Control": "no-store" });
  });
  return app;
}
