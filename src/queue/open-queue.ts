import type { QueueSettings } from "../config/setting-sections.ts";
import type { Logger } from "../core/logger.ts";
import type { QueueBackend, Retention, RetryPolicy } from "./backend.ts";
import { openEmbeddedQueue } from "./embedded.ts";

export function retryPolicyFrom(settings: Pick<QueueSettings, "JOB_ATTEMPTS" | "JOB_BACKOFF_MS" | "JOB_BACKOFF_JITTER">): RetryPolicy {
  return { attempts: settings.JOB_ATTEMPTS, backoffMs: settings.JOB_BACKOFF_MS, jitter: settings.JOB_BACKOFF_JITTER };
}

export function retentionFrom(settings: Pick<QueueSettings, "QUEUE_KEEP_COMPLETED" | "QUEUE_KEEP_FAILED">): Retention {
  return { keepCompleted: settings.QUEUE_KEEP_COMPLETED, keepFailed: settings.QUEUE_KEEP_FAILED };
}

/** BullMQ on Redis when REDIS_URL is set, else the in-process queue. */
export async function openQueue(settings: QueueSettings, log: Logger): Promise<QueueBackend> {
  const retry = retryPolicyFrom(settings);
  const retention = retentionFrom(settings);
  if (!settings.REDIS_URL) return openEmbeddedQueue({ retry, retention });
  // Loaded lazily: commands on the embedded queue never load BullMQ and ioredis.
  const { openBullmqQueue } = await import("./bullmq.ts");
  return openBullmqQueue({
    redisUrl: settings.REDIS_URL,
    prefix: settings.QUEUE_PREFIX,
    retry,
    retention,
    lockDurationMs: settings.QUEUE_LOCK_DURATION_MS,
    stalledIntervalMs: settings.QUEUE_STALLED_INTERVAL_MS,
    maxStalledCount: settings.QUEUE_MAX_STALLED_COUNT,
    log,
  });
}
