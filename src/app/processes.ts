import { existsSync } from "node:fs";
import { importRoasters } from "./import-roasters.ts";
import { readRoasterFile } from "../config/roaster-file.ts";
import { cadenceFloorsOf, describeSettings, type Settings } from "../config/settings.ts";
import { waitForSignal, type SignalOptions } from "../core/shutdown.ts";
import { accessPolicy } from "../dashboard/access.ts";
import { startOperationsServers } from "../dashboard/operations.ts";
import { startDashboard } from "../dashboard/server.ts";
import { migrate } from "../db/migrate.ts";
import { openDatabase } from "../db/open-database.ts";
import { listRoasters } from "../db/roasters.ts";
import type { Logger } from "../core/logger.ts";
import { startMetricsServer } from "../metrics/server.ts";
import type { Consumer } from "../queue/backend.ts";
import { startScheduler, type SchedulerOptions } from "../scheduler/loop.ts";
import { sleep } from "../core/timers.ts";
import { startWorker, type WorkerOptions } from "../worker/worker.ts";
import { processCommand } from "./process-role.ts";
import { createRuntime, type Runtime } from "./runtime.ts";

// The long-running processes, assembled in one place: `start` (everything on one machine),
// `worker`, `schedule` (the loop) and `dashboard`. Each listens for SIGTERM/SIGINT with the
// one signal helper (core/shutdown.ts): the first stops it gracefully (the scheduler stops
// ticking, the worker drains up to SHUTDOWN_TIMEOUT_MS), a second exits at once.

/** How long interrupted jobs get to unwind after the shutdown timeout. */
const INTERRUPTED_GRACE_MS = 2000;

export interface AllInOneResult {
  signal: NodeJS.Signals;
  /** Every running job finished before the shutdown timeout. */
  drained: boolean;
}

export function noRoastersHelp(settings: Settings): string {
  return (
    `no roasters configured: copy roasters.example.yaml to ${settings.ROASTERS_FILE} and start again, ` +
    "or run `coffee-scraper roasters add --slug … --name … --url …` (the next scheduler tick picks it up)"
  );
}

/**
 * `coffee-scraper start`: migrate, import the roasters file, then the scheduler and a worker
 * share one process and one queue (embedded, or BullMQ when REDIS_URL is set) until
 * SIGTERM/SIGINT; then the scheduler stops, the worker drains, and the queue and the
 * database are closed.
 */
export async function runAllInOne(
  options: { settings: Settings; log: Logger } & SignalOptions,
): Promise<AllInOneResult> {
  const { settings, log } = options;
  // Listening before anything slow, so Ctrl-C during migrations still stops cleanly.
  const waiting = waitForSignal(log, options);
  log.info({ settings: describeSettings(settings) }, "starting");
  // This process is the embedded database's owner (a second `start` on the same DATA_DIR is refused).
  const db = await openDatabase({
    databaseUrl: settings.DATABASE_URL,
    dataDir: settings.DATA_DIR,
    command: processCommand(),
    requireOwnership: true,
  }).catch((err: unknown) => {
    waiting.dispose();
    throw err;
  });
  const rt = await createRuntime(settings, log, { migrate: false, db }).catch(async (err: unknown) => {
    waiting.dispose();
    await db.close();
    throw err;
  });
  let web: { close(): Promise<void> } | undefined;
  try {
    const applied = await migrate(rt.db);
    log.info({ engine: rt.db.engine, applied }, "database ready");
    if (existsSync(settings.ROASTERS_FILE)) {
      const result = await importRoasters(rt.db, readRoasterFile(settings.ROASTERS_FILE, cadenceFloorsOf(settings)));
      log.info({ file: settings.ROASTERS_FILE, ...result }, "roasters imported");
    }
    const roasters = await listRoasters(rt.db);
    if (roasters.length === 0) log.warn(noRoastersHelp(settings));
    else
      log.info(
        { roasters: roasters.length, active: roasters.filter((r) => r.is_active).length },
        "roasters configured",
      );

    web = await startOperationsServers(rt.deps, rt.queue); // dashboard, /metrics, /healthz, /readyz
    const consumer = startWorker({ deps: rt.deps, queue: rt.queue });
    const scheduler = startScheduler(schedulerOptions(rt, settings, log));
    log.info({ queue: rt.queue.kind, engine: rt.db.engine }, "scheduler and worker running; Ctrl-C to stop");

    const signal = await waiting.received;
    const drained = await drainWorker(consumer, settings, log, signal, () => scheduler.stop());
    // Interrupted jobs unwind (finish their run row, release their lease) on their abort
    // signal; give them a moment before the database closes under them.
    for (const until = Date.now() + INTERRUPTED_GRACE_MS; consumer.running > 0 && Date.now() < until;) {
      await sleep(50);
    }
    return { signal, drained };
  } finally {
    await web?.close();
    await rt.close();
    await db.close();
    waiting.dispose();
  }
}

/**
 * `coffee-scraper worker`: consumes jobs (and serves METRICS_PORT: /metrics, /healthz,
 * /readyz, when set) until SIGTERM/SIGINT, then drains.
 */
export async function runWorkerProcess(options: { settings: Settings; log: Logger; concurrency?: number }): Promise<{ drained: boolean }> {
  const { settings, log } = options;
  const rt = await createRuntime(settings, log);
  const metricsServer =
    settings.METRICS_PORT === undefined || !rt.deps.metrics
      ? null
      : await startMetricsServer({ host: settings.METRICS_HOST, port: settings.METRICS_PORT, metrics: rt.deps.metrics, db: rt.db, queue: rt.queue, log });
  const result = await runWorkerUntilSignal({
    deps: rt.deps,
    queue: rt.queue,
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
  });
  await metricsServer?.close();
  await rt.close();
  return result;
}

/**
 * A worker until SIGTERM or SIGINT: then it stops taking jobs and lets running ones finish
 * up to SHUTDOWN_TIMEOUT_MS (after that their signals are aborted). A second signal exits at
 * once. Resolves when the worker has stopped.
 */
export async function runWorkerUntilSignal(options: WorkerOptions & SignalOptions): Promise<{ drained: boolean }> {
  const { log, settings } = options.deps;
  const waiting = waitForSignal(log, options);
  try {
    const consumer = startWorker(options);
    const signal = await waiting.received;
    return { drained: await drainWorker(consumer, settings, log, signal) };
  } finally {
    waiting.dispose();
  }
}

/** `coffee-scraper schedule` without --once: ticks until SIGTERM/SIGINT, then stops cleanly. */
export async function runSchedulerProcess(options: { settings: Settings; log: Logger } & SignalOptions): Promise<void> {
  const { settings, log } = options;
  const rt = await createRuntime(settings, log);
  try {
    const waiting = waitForSignal(log, options);
    try {
      const scheduler = startScheduler(schedulerOptions(rt, settings, log));
      const signal = await waiting.received;
      log.info({ signal }, "shutting down");
      await scheduler.stop();
    } finally {
      waiting.dispose();
    }
  } finally {
    await rt.close();
  }
}

/**
 * `coffee-scraper dashboard`: the operations dashboard (and /metrics, /healthz, /readyz) on
 * DASHBOARD_HOST:DASHBOARD_PORT until SIGTERM/SIGINT.
 */
export async function runDashboardProcess(options: { settings: Settings; log: Logger } & SignalOptions): Promise<void> {
  const { settings, log } = options;
  accessPolicy(settings); // refuses a non-loopback bind without credentials before opening anything
  const waiting = waitForSignal(log, options);
  try {
    const rt = await createRuntime(settings, log);
    try {
      // The embedded queue lives inside `start`: from here only a BullMQ queue is visible.
      const dashboard = await startDashboard({
        settings,
        db: rt.db,
        queue: settings.REDIS_URL ? rt.queue : null,
        log,
        clock: rt.deps.clock,
        metrics: rt.deps.metrics,
        artifacts: rt.deps.artifacts,
      });
      const signal = await waiting.received;
      log.info({ signal }, "dashboard stopping");
      await dashboard.close();
    } finally {
      await rt.close();
    }
  } finally {
    waiting.dispose();
  }
}

function schedulerOptions(rt: Runtime, settings: Settings, log: Logger): SchedulerOptions {
  return {
    db: rt.db,
    queue: rt.queue,
    log,
    clock: rt.deps.clock,
    tickMs: settings.SCHEDULER_TICK_MS,
    lostAfterMs: settings.SCHEDULER_LOST_AFTER_MS,
    cadenceFloors: cadenceFloorsOf(settings),
  };
}

/** The first signal's stop: whatever else stops first (the scheduler), then the worker drains. */
async function drainWorker(
  consumer: Consumer,
  settings: Pick<Settings, "SHUTDOWN_TIMEOUT_MS">,
  log: Logger,
  signal: NodeJS.Signals,
  before?: () => Promise<void>,
): Promise<boolean> {
  log.info({ signal, running: consumer.running, timeoutMs: settings.SHUTDOWN_TIMEOUT_MS }, "shutting down");
  await before?.();
  const drained = await consumer.close({ timeoutMs: settings.SHUTDOWN_TIMEOUT_MS });
  log.info({ drained }, drained ? "worker stopped" : "worker stopped: running jobs were interrupted");
  return drained;
}
