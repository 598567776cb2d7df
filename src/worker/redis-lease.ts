import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { Queryable } from "../db/database.ts";
import { findRoaster } from "../db/roasters.ts";
import { keepRenewing, RoasterBusyError, type HeldLease, type RoasterLeases } from "./lease.ts";

// The lease store when REDIS_URL is set. A roaster's lease is a hash naming a lock key and
// the token that key must hold: the lease is held exactly as long as that lock holds that
// token. A queue job rides on BullMQ's own lock on the attempt, which BullMQ renews while the
// job runs, drops atomically when it ends (completed, failed, delayed) and lets lapse when
// its worker dies — so the lease needs no renewal, no release and no clock of its own, and
// costs one round trip per job. A holder outside the queue (`scrape`) sets a lock key of its
// own with LEASE_TTL_MS and renews it while the lease still names it.
//
// Taking a lease reads the lock key the current lease names: a key outside KEYS, which a
// single Redis (what BullMQ runs on) allows and Redis Cluster does not.

const TAKE = `
local held = redis.call('hmget', KEYS[1], 'lock', 'token', 'job', 'holder')
if held[1] and redis.call('get', held[1]) == held[2] then return {0, held[3], held[4]} end
if ARGV[2] == '0' then
  if redis.call('get', KEYS[2]) ~= ARGV[1] then return {-1} end
else
  redis.call('set', KEYS[2], ARGV[1], 'PX', ARGV[2])
end
redis.call('hset', KEYS[1], 'lock', KEYS[2], 'token', ARGV[1], 'job', ARGV[3], 'holder', ARGV[4])
return {1}
`;

// A holder outside the queue renews its own lock, while the lease still names it.
const RENEW = `
if redis.call('hget', KEYS[1], 'lock') ~= KEYS[2] or redis.call('hget', KEYS[1], 'token') ~= ARGV[1] then return 0 end
return redis.call('pexpire', KEYS[2], ARGV[2])
`;

type TakeReply = [1] | [0, string, string] | [-1];

interface LeaseRedis extends Redis {
  takeRoasterLease(leaseKey: string, lockKey: string, token: string, ttlMs: string, jobId: string, holder: string): Promise<TakeReply>;
  renewRoasterLease(leaseKey: string, lockKey: string, token: string, ttlMs: number): Promise<0 | 1>;
}

export const leaseKey = (prefix: string, slug: string) => `${prefix}:roaster-lease:${slug}`;

export interface RedisLeaseOptions {
  /** A connection of the lease store's own; closed with it. */
  redis: Redis;
  /** Key prefix (QUEUE_PREFIX): the leases of one installation. */
  prefix: string;
  /** Lock lifetime of a holder outside the queue, renewed every third of it. */
  ttlMs: number;
  /** Where roasters are loaded from. */
  db: Queryable;
}

export function redisLeases(options: RedisLeaseOptions): RoasterLeases {
  const redis = options.redis as LeaseRedis;
  redis.defineCommand("takeRoasterLease", { numberOfKeys: 2, lua: TAKE });
  redis.defineCommand("renewRoasterLease", { numberOfKeys: 2, lua: RENEW });
  const never = new AbortController().signal;

  return {
    kind: "redis",
    async claim({ slug, holder, jobId, log, queueLock }) {
      const key = leaseKey(options.prefix, slug);
      const token = queueLock?.token ?? randomBytes(8).toString("hex");
      const lockKey = queueLock?.key ?? `${key}:lock:${token}`;
      const ttl = queueLock ? "0" : String(options.ttlMs);
      // Both at once: the job waits for one round trip, not two.
      const [roaster, reply] = await Promise.all([
        findRoaster(options.db, slug),
        redis.takeRoasterLease(key, lockKey, token, ttl, jobId, holder),
      ]);
      const taken = reply[0] === 1;
      const ownLock = !queueLock && taken;
      if (!roaster || !roaster.is_active) {
        if (ownLock) await redis.del(lockKey);
        return roaster ? { roaster, lease: null } : null;
      }
      if (reply[0] === 0) throw new RoasterBusyError(slug, { jobId: reply[1], holder: reply[2] });
      if (reply[0] === -1) {
        throw new Error(`job ${jobId} does not hold the queue's lock ${lockKey}: it was lost, so the roaster's lease cannot ride on it`);
      }
      if (!ownLock) return { roaster, lease: { lost: never, release: async () => {} } };
      const renewal = keepRenewing({
        renew: async () => (await redis.renewRoasterLease(key, lockKey, token, options.ttlMs)) === 1,
        intervalMs: Math.max(100, Math.floor(options.ttlMs / 3)),
        ttlMs: options.ttlMs,
        log,
      });
      const lease: HeldLease = {
        lost: renewal.lost,
        async release() {
          await renewal.stop();
          await redis.del(lockKey);
        },
      };
      return { roaster, lease };
    },
    async close() {
      if (options.redis.status === "wait") options.redis.disconnect(); // never connected
      else await options.redis.quit().catch(() => options.redis.disconnect());
    },
  };
}

export interface RedisLeaseState {
  jobId: string;
  holder: string;
  lockKey: string;
  /** Milliseconds left on the lock it rides on. */
  ttlMs: number;
}

/** The roaster's lease while it is held, else null. */
export async function readRedisLease(redis: Redis, prefix: string, slug: string): Promise<RedisLeaseState | null> {
  const [lockKey, token, jobId, holder] = await redis.hmget(leaseKey(prefix, slug), "lock", "token", "job", "holder");
  if (!lockKey || !token || (await redis.get(lockKey)) !== token) return null;
  return { jobId: jobId ?? "", holder: holder ?? "", lockKey, ttlMs: await redis.pttl(lockKey) };
}
