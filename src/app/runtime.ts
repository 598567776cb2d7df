import { artifactSettings, httpSettings, queueSettings } from "../config/setting-sections.ts";
import type { Settings } from "../config/settings.ts";
import type { Database } from "../db/database.ts";
import { processCommand } from "./process-role.ts";
import { openDatabase } from "../db/open-database.ts";
import { migrate } from "../db/migrate.ts";
import { databaseSiteMemory } from "../db/site-memory.ts";
import type { Logger } from "../core/logger.ts";
import type { QueueBackend } from "../queue/backend.ts";
import type { OwnedDatabase } from "../db/embedded/open-embedded.ts";
import { isRemoteDatabase } from "../db/embedded/remote-database.ts";
import { openQueue } from "../queue/open-queue.ts";
import { queueOperations, remoteQueue } from "../queue/remote.ts";
import { createHttpClient } from "../fetch/client.ts";
import { openArtifactStore } from "../pipeline/artifacts/open-store.ts";
import { createMetrics } from "../metrics/metrics.ts";
import { systemClock } from "../core/clock.ts";
import type { Deps } from "./deps.ts";

export interface Runtime {
  deps: Deps & { queue: QueueBackend };
  queue: QueueBackend;
  db: Database;
  /** Closes the queue, then the database. */
  close(): Promise<void>;
}

/**
 * Builds the dependencies once from the resolved settings: the database (Postgres or
 * PGlite, migrated unless told not to) and the queue (BullMQ or embedded).
 */
export async function createRuntime(
  settings: Settings,
  log: Logger,
  options: { migrate?: boolean; db?: Database } = {},
): Promise<Runtime> {
  const ownsDb = !options.db;
  const db = options.db ?? (await openDatabase({ databaseUrl: settings.DATABASE_URL, dataDir: settings.DATA_DIR, command: processCommand() }));
  try {
    if (options.migrate !== false) await migrate(db);
    const queue = await queueFor(settings, log, db);
    const deps = createDeps(settings, db, log);
    return {
      deps: { ...deps, queue },
      queue,
      db,
      async close() {
        await queue.close().catch((err: unknown) => log.warn({ err }, "closing the queue failed"));
        await deps.http.close().catch(() => {});
        if (ownsDb) await db.close();
      },
    };
  } catch (err) {
    if (ownsDb) await db.close().catch(() => {});
    throw err;
  }
}

/**
 * BullMQ when REDIS_URL is set. Otherwise the embedded queue, which lives in the process
 * that owns the embedded database: the owner offers it to other processes, and they use it
 * through the owner.
 */
async function queueFor(settings: Settings, log: Logger, db: Database): Promise<QueueBackend> {
  if (!settings.REDIS_URL && isRemoteDatabase(db)) return remoteQueue(db);
  const queue = await openQueue(queueSettings(settings), log);
  if (queue.kind === "embedded" && "provide" in db && typeof db.provide === "function") {
    (db as OwnedDatabase).provide(queueOperations(queue));
  }
  return queue;
}

/** The job dependencies around an open database: clock, polite HTTP client, artifact store, metrics. */
export function createDeps(settings: Settings, db: Database, log: Logger): Deps {
  return {
    settings,
    db,
    log,
    clock: systemClock,
    http: createHttpClient({ settings: httpSettings(settings), memory: databaseSiteMemory(db) }),
    artifacts: openArtifactStore(artifactSettings(settings)),
    metrics: createMetrics(),
  };
}
