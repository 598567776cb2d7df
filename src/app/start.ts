import { existsSync } from "node:fs";
import { importRoasters } from "../config/import-roasters.ts";
import { readRoasterFile } from "../config/roaster-file.ts";
import { cadenceFloorsOf, describeSettings, type Settings } from "../config/settings.ts";
import { processCommand } from "./process-role.ts";
import { openDatabase } from "../db/open-database.ts";
import { migrate } from "../db/migrate.ts";
import { listRoasters } from "../db/roasters.ts";
import type { Logger } from "../log/logger.ts";
import { startScheduler, waitForSignal, type SignalOptions } from "../scheduler/loop.ts";
import { startWorker } from "../worker/worker.ts";
import { startOperationsServers } from "../dashboard/operations.ts";
import { createRuntime } from "./runtime.ts";
import { sleep } from "../timers.ts";

// `coffee-scraper start`: everything on one machine. Migrate, import the roasters file,
// then the scheduler and a worker share one process and one queue (embedded, or BullMQ when
// REDIS_URL is set) until SIGTERM/SIGINT; then the scheduler stops, the worker drains up to
// SHUTDOWN_TIMEOUT_MS, and the queue and the database are closed.

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
    const scheduler = startScheduler({
      db: rt.db,
      queue: rt.queue,
      log,
      clock: rt.deps.clock,
      tickMs: settings.SCHEDULER_TICK_MS,
      lostAfterMs: settings.SCHEDULER_LOST_AFTER_MS,
      cadenceFloors: cadenceFloorsOf(settings),
    });
    log.info({ queue: rt.queue.kind, engine: rt.db.engine }, "scheduler and worker running; Ctrl-C to stop");

    const signal = await waiting.received;
    log.info({ signal, running: consumer.running, timeoutMs: settings.SHUTDOWN_TIMEOUT_MS }, "shutting down");
    await scheduler.stop();
    const drained = await consumer.close({ timeoutMs: settings.SHUTDOWN_TIMEOUT_MS });
    log.info({ drained }, drained ? "worker stopped" : "worker stopped: running jobs were interrupted");
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
