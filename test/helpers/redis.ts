import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll } from "vitest";

// Suites that need Redis run when REDIS_URL is set and are left out otherwise, except under
// CI=true, where a missing server fails the run. Each test file works under a random key
// prefix of its own and deletes every key under it afterwards.

export const REDIS_URL = process.env.REDIS_URL;

if (process.env.CI === "true" && !REDIS_URL) {
  throw new Error("CI=true but REDIS_URL is unset: the Redis suites must run in CI");
}

export const hasRedis = Boolean(REDIS_URL);

export function randomPrefix(): string {
  return `cs-test-${randomBytes(5).toString("hex")}`;
}

/** Deletes every key that starts with `prefix`. */
export async function deleteKeys(prefix: string): Promise<number> {
  if (!REDIS_URL) return 0;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  let deleted = 0;
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length) deleted += await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
  return deleted;
}

/** A prefix for this test file; its keys are deleted after the file's tests. */
export function useRedisPrefix(): string {
  const prefix = randomPrefix();
  afterAll(async () => {
    await deleteKeys(prefix);
  });
  return prefix;
}
