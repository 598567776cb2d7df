import type { OwnerOperations } from "../db/embedded/owner-server.ts";
import type { RemoteDatabase } from "../db/embedded/remote-database.ts";
import type { EnqueueOptions, EnqueueResult, FailedJob, JobCounts, JobState, QueueBackend } from "./backend.ts";
import type { JobPayload } from "./job.ts";

// The embedded queue lives inside the process that owns the embedded database (usually
// `coffee-scraper start`). Other processes on the same DATA_DIR reach it through that
// owner's socket: `enqueue` and `status` work while `start` runs.

export function queueOperations(queue: QueueBackend): OwnerOperations {
  return {
    "queue.enqueueMany": (args) => queue.enqueueMany(args.payloads as JobPayload[], args.options as EnqueueOptions),
    "queue.counts": () => queue.counts(),
    "queue.recentFailures": (args) => queue.recentFailures(Number(args.limit)),
    "queue.stateOf": (args) => queue.stateOf(String(args.id)),
    "queue.remove": (args) => queue.remove(String(args.id)),
  };
}

export function remoteQueue(db: RemoteDatabase): QueueBackend {
  const call = async <T>(op: string, args?: Record<string, unknown>): Promise<T> => {
    try {
      return await db.call<T>(op, args);
    } catch (err) {
      if (!/unknown operation/.test((err as Error).message)) throw err;
      throw new Error(
        `the process that owns the embedded database (\`coffee-scraper ${db.owner.command}\`, pid ${db.owner.pid}) ` +
          "runs no queue; try again when it is done, or run `coffee-scraper start`",
      );
    }
  };
  const enqueueMany = (payloads: JobPayload[], options?: EnqueueOptions) =>
    call<EnqueueResult[]>("queue.enqueueMany", { payloads, options: options ?? {} });
  return {
    kind: "embedded",
    async enqueue(payload, options) {
      const [result] = await enqueueMany([payload], options);
      return result!;
    },
    enqueueMany,
    consume() {
      throw new Error(
        `the embedded queue is consumed by its owner (\`coffee-scraper ${db.owner.command}\`, pid ${db.owner.pid}); ` +
          "for several workers set DATABASE_URL and REDIS_URL",
      );
    },
    counts: () => call<JobCounts>("queue.counts"),
    recentFailures: (limit) => call<FailedJob[]>("queue.recentFailures", { limit }),
    stateOf: (id) => call<JobState | null>("queue.stateOf", { id }),
    remove: (id) => call<void>("queue.remove", { id }),
    async obliterate() {
      throw new Error("the embedded queue can only be obliterated by its owner");
    },
    async close() {},
  };
}
