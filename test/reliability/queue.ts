import { silentLogger } from "../../src/core/logger.ts";
import { openBullmqQueue } from "../../src/queue/bullmq.ts";
import type { QueueBackend } from "../../src/queue/backend.ts";
import { until } from "../helpers/until.ts";

// The queue as a reliability suite sees it from outside the workers: a producer on the
// suite's Redis prefix, and a wait for everything enqueued to have run.

/** Waits until the queue holds no waiting, active or delayed job (what ran has ended). */
export async function untilQueueDrained(queue: QueueBackend, timeoutMs: number, what: string): Promise<void> {
  await until(
    async () => {
      const c = await queue.counts();
      return c.waiting + c.active + c.delayed === 0;
    },
    timeoutMs,
    what,
  );
}

export function producerQueue(redisUrl: string, prefix: string): QueueBackend {
  return openBullmqQueue({
    redisUrl,
    prefix,
    retry: { attempts: 8, backoffMs: 200, jitter: 0.2 },
    retention: { keepCompleted: 10_000, keepFailed: 10_000 },
    lockDurationMs: 1000,
    stalledIntervalMs: 500,
    maxStalledCount: 5,
    log: silentLogger(),
  });
}
