import { queueSettings } from "../config/setting-sections.ts";
import type { Settings } from "../config/settings.ts";
import { processCommand } from "./process-role.ts";
import { openDatabase } from "../db/open-database.ts";
import { pendingMigrations } from "../db/migrate.ts";
import { coerceError } from "../core/errors.ts";
import type { Logger } from "../core/logger.ts";
import { openQueue } from "../queue/open-queue.ts";
import { after } from "../core/timers.ts";

// `coffee-scraper healthcheck`, the container HEALTHCHECK: can this configuration reach its
// database and its queue? Read-only (no migrations), and quick. The embedded database is
// not opened: it belongs to the running `start` process and admits one process at a time.

export interface ServiceHealth {
  ok: boolean;
  database: {
    ok: boolean;
    engine: "postgres" | "pglite";
    checked: boolean;
    pendingMigrations?: string[];
    error?: string;
  };
  queue: { ok: boolean; kind: "bullmq" | "embedded"; checked: boolean; error?: string };
}

/** Rejects when `work` takes longer than `ms` (a Redis that does not answer makes BullMQ wait forever). */
function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = after(ms, () => reject(new Error(`no answer within ${ms} ms`)));
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export async function checkHealth(
  settings: Settings,
  log: Logger,
  options: { timeoutMs?: number } = {},
): Promise<ServiceHealth> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const health: ServiceHealth = {
    ok: false,
    database: { ok: true, engine: settings.DATABASE_URL ? "postgres" : "pglite", checked: false },
    queue: { ok: true, kind: settings.REDIS_URL ? "bullmq" : "embedded", checked: false },
  };
  const checks: Promise<void>[] = [];
  if (settings.DATABASE_URL) {
    checks.push(
      (async () => {
        health.database.checked = true;
        try {
          const db = await within(
            openDatabase({ databaseUrl: settings.DATABASE_URL, dataDir: settings.DATA_DIR, command: processCommand() }),
            timeoutMs,
          );
          try {
            health.database.pendingMigrations = await within(pendingMigrations(db), timeoutMs);
          } finally {
            await within(db.close(), timeoutMs).catch(() => {});
          }
        } catch (err) {
          health.database.ok = false;
          health.database.error = coerceError(err).message;
        }
      })(),
    );
  }
  if (settings.REDIS_URL) {
    checks.push(
      (async () => {
        health.queue.checked = true;
        try {
          const queue = await openQueue(queueSettings(settings), log);
          try {
            await within(queue.counts(), timeoutMs);
          } finally {
            await within(queue.close(), timeoutMs).catch(() => {});
          }
        } catch (err) {
          health.queue.ok = false;
          health.queue.error = coerceError(err).message;
        }
      })(),
    );
  }
  await Promise.all(checks);
  health.ok = health.database.ok && health.queue.ok;
  return health;
}
