import type { Hono } from "hono";
import type { QueueSettings } from "../config/setting-sections.ts";
import type { Logger } from "../core/logger.ts";

// Bull Board (BullMQ's own job browser) under /queues, when the queue is BullMQ on Redis.
// It gets a Queue handle of its own on the same Redis, name and prefix as the workers'.
// Loaded lazily: without REDIS_URL none of it is imported.

export const BULL_BOARD_PATH = "/queues";

export async function mountBullBoard(app: Hono, settings: Pick<QueueSettings, "REDIS_URL" | "QUEUE_PREFIX">, log: Logger): Promise<() => Promise<void>> {
  if (!settings.REDIS_URL) throw new Error("Bull Board needs REDIS_URL");
  const [{ createBullBoard }, { BullMQAdapter }, { HonoAdapter }, { serveStatic }, { Queue }, { Redis }, { QUEUE_NAME }] =
    await Promise.all([
      import("@bull-board/api"),
      import("@bull-board/api/bullMQAdapter"),
      import("@bull-board/hono"),
      import("@hono/node-server/serve-static"),
      import("bullmq"),
      import("ioredis"),
      import("../queue/bullmq.ts"),
    ]);
  const connection = new Redis(settings.REDIS_URL, { maxRetriesPerRequest: null });
  connection.on("error", (err: Error) => log.warn({ err }, "bull board: redis connection error"));
  const queue = new Queue(QUEUE_NAME, { connection, prefix: settings.QUEUE_PREFIX });
  queue.on("error", (err) => log.warn({ err }, "bull board: queue error"));
  const serverAdapter = new HonoAdapter(serveStatic);
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    queues: [new BullMQAdapter(queue)],
    serverAdapter,
    options: { uiConfig: { boardTitle: "coffee-scraper" } },
  });
  app.route(BULL_BOARD_PATH, serverAdapter.registerPlugin());
  return async () => {
    await queue.close().catch(() => {});
    await connection.quit().catch(() => connection.disconnect());
  };
}
