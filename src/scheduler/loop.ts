import type { Clock } from "../core/clock.ts";
import type { CadenceFloors } from "../config/settings.ts";
import type { Queryable } from "../db/database.ts";
import { coerceError } from "../core/errors.ts";
import type { Logger } from "../core/logger.ts";
import type { QueueBackend } from "../queue/backend.ts";
import { scheduleTick, type TickSummary } from "./tick.ts";
import { after } from "../core/timers.ts";

// The long-running scheduler (`schedule` without --once, and inside `start`): a tick at
// once, then one every SCHEDULER_TICK_MS. A failed tick is logged and the next one retries;
// the database, not this loop, remembers what was enqueued.

export interface SchedulerOptions {
  db: Queryable;
  queue: QueueBackend;
  log: Logger;
  clock: Clock;
  tickMs: number;
  /** SCHEDULER_LOST_AFTER_MS. */
  lostAfterMs?: number;
  /** FULL/PRICE_CADENCE_MIN_INTERVAL_MS. */
  cadenceFloors?: CadenceFloors;
  /** Called after each tick (tests, metrics). */
  onTick?: (summary: TickSummary) => void;
}

export interface RunningScheduler {
  /** Stops ticking; resolves once a tick in progress has finished. */
  stop(): Promise<void>;
  readonly ticks: number;
}

export function startScheduler(options: SchedulerOptions): RunningScheduler {
  const log = options.log.child({ component: "scheduler" });
  let stopped = false;
  let ticks = 0;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  const warnedUnderFloor = new Set<string>();

  const tick = () => {
    timer = undefined;
    current = scheduleTick({
      db: options.db,
      queue: options.queue,
      clock: options.clock,
      log,
      ...(options.lostAfterMs !== undefined ? { lostAfterMs: options.lostAfterMs } : {}),
      ...(options.cadenceFloors ? { cadenceFloors: options.cadenceFloors } : {}),
      warnedUnderFloor,
    })
      .then(
        (summary) => {
          ticks += 1;
          options.onTick?.(summary);
        },
        (err: unknown) => log.error({ err: coerceError(err) }, "schedule tick failed; the next tick retries"),
      )
      .finally(() => {
        if (!stopped) timer = after(options.tickMs, tick);
      });
  };

  log.info({ tickMs: options.tickMs, queue: options.queue.kind }, "scheduler started");
  tick();
  return {
    get ticks() {
      return ticks;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
      log.info({ ticks }, "scheduler stopped");
    },
  };
}
