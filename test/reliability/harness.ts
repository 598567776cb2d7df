import { startStoreServer, type StoreServer, type StoreServerOptions } from "../helpers/store-server.ts";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createDeps } from "../../src/app/runtime.ts";
import type { Database } from "../../src/db/database.ts";
import { upsertRoaster } from "../../src/db/roasters.ts";
import { silentLogger } from "../../src/log/logger.ts";
import { openBullmqQueue } from "../../src/queue/bullmq.ts";
import type { QueueBackend } from "../../src/queue/backend.ts";
import { scrapeOnce } from "../../src/worker/scrape-once.ts";
import { BIN } from "../helpers/cli.ts";
import { createTestDatabase } from "../helpers/database.ts";
import { parseLogLines, type LogLine } from "../helpers/logs.ts";
import { testSettings } from "../helpers/settings.ts";

// Shared by the reliability suites: real child processes (the CLI), a reference run on a
// database of its own, the database compared as a user sees it, a private redis-server and
// a TCP proxy in front of PostgreSQL that can be cut.

export async function until(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every log line written by a child of this test file (the secrets suite greps them). */
export const ALL_OUTPUT: string[] = [];

export interface Child {
  proc: ChildProcess;
  pid: number;
  out(): string;
  lines(): LogLine[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
}

/** The real CLI as a long-running child, with only the given settings (nothing inherited but PATH and the like). */
export function spawnCli(
  args: string[],
  env: Record<string, string | undefined>,
  cwd = process.cwd(),
): Child {
  const { DATABASE_URL: _d, REDIS_URL: _r, CONFIG_FILE: _c, ...inherited } = process.env;
  const proc = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...inherited, LOG_FORMAT: "json", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const collect = (d: Buffer) => {
    const s = d.toString("utf8");
    out += s;
    ALL_OUTPUT.push(s);
  };
  proc.stdout!.on("data", collect);
  proc.stderr!.on("data", collect);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return {
    proc,
    pid: proc.pid!,
    out: () => out,
    lines: () => parseLogLines(out),
    exit,
    alive: () => proc.exitCode === null && proc.signalCode === null,
  };
}

export async function killAll(children: Child[]): Promise<void> {
  for (const c of children.splice(0)) {
    if (c.alive()) c.proc.kill("SIGKILL");
    await c.exit;
  }
}

/** Settings for worker processes in these suites: fast pacing, quick lease/lock expiry. */
export function workerEnv(extra: Record<string, string | undefined>): Record<string, string | undefined> {
  return {
    ALLOW_PRIVATE_NETWORKS: "true",
    DATA_DIR: mkdtempSync(path.join(tmpdir(), "cs-rel-")),
    HTTP_DELAY_MS: "20",
    HTTP_JITTER_MS: "0",
    HTTP_RETRIES: "3",
    HTTP_RETRY_BASE_MS: "100",
    JOB_ATTEMPTS: "8",
    JOB_BACKOFF_MS: "200",
    JOB_DEFER_MS: "200",
    LEASE_TTL_MS: "2000",
    QUEUE_LOCK_DURATION_MS: "1000",
    QUEUE_STALLED_INTERVAL_MS: "500",
    SHUTDOWN_TIMEOUT_MS: "20000",
    WORKER_CONCURRENCY: "4",
    ...extra,
  };
}

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

export interface RoasterSpec {
  slug: string;
  url: string;
  platform: "shopify" | "woocommerce";
  concurrency?: number;
}

export async function addRoasters(db: Database, roasters: RoasterSpec[]): Promise<void> {
  await db.transaction(async (tx) => {
    for (const r of roasters) {
      await upsertRoaster(tx, {
        slug: r.slug,
        name: r.slug,
        website: r.url,
        platform: r.platform,
        currency: "INR",
        is_active: true,
        full_cadence: "0 3 1 * *",
        price_cadence: "0 4 * * 0",
        default_concurrency: r.concurrency ?? 3,
        use_firecrawl_fallback: false,
        use_llm: false,
        alert_price_delta_pct: 10,
      });
    }
  });
}

/**
 * `count` local Shopify stores with `roasters` roasters spread over them, added to `db`, and
 * the data an undisturbed run of them produces (the reference every fault test compares to).
 */
export async function shopifyFleet(
  db: Database,
  options: {
    stores: number;
    roasters: number;
    slugPrefix: string;
    store?: Omit<StoreServerOptions, "platform">;
  },
): Promise<{ stores: StoreServer[]; roasters: RoasterSpec[]; reference: unknown[] }> {
  const stores = await Promise.all(
    Array.from({ length: options.stores }, () => startStoreServer({ platform: "shopify", ...options.store })),
  );
  const roasters = Array.from({ length: options.roasters }, (_, i) => ({
    slug: `${options.slugPrefix}-${i}`,
    url: stores[i % stores.length]!.url,
    platform: "shopify" as const,
  }));
  const reference = await referenceSnapshot(roasters);
  await addRoasters(db, roasters);
  return { stores, roasters, reference };
}

/** What a user sees of every roaster's coffees, variants and prices, without ids or timestamps. */
export async function snapshot(db: Database): Promise<unknown[]> {
  return db.query(
    `SELECT r.slug, c.platform_product_id, c.name, c.status, v.platform_variant_id, v.weight_g, v.grind, v.currency,
            v.price_current::text AS price, v.in_stock,
            (SELECT count(*)::int FROM prices p WHERE p.variant_id = v.id) AS price_rows,
            (SELECT array_agg(p.price::text ORDER BY p.price) FROM prices p WHERE p.variant_id = v.id) AS prices
       FROM coffees c JOIN roasters r ON r.id = c.roaster_id LEFT JOIN variants v ON v.coffee_id = c.id
      ORDER BY r.slug, c.platform_product_id, v.platform_variant_id`,
  );
}

/** The snapshot an undisturbed run of every roaster leaves: each scraped once, inline, on a database of its own. */
export async function referenceSnapshot(roasters: RoasterSpec[]): Promise<unknown[]> {
  const ref = await createTestDatabase("postgres");
  const deps = createDeps(
    testSettings({
      HTTP_DELAY_MS: 0,
      HTTP_JITTER_MS: 0,
      HTTP_RETRIES: 0,
      DATA_DIR: mkdtempSync(path.join(tmpdir(), "cs-ref-")),
    }),
    ref.db,
    silentLogger(),
  );
  try {
    await addRoasters(ref.db, roasters);
    for (const r of roasters) {
      const summary = await scrapeOnce({ deps, roaster: r.slug, type: "full_refresh" });
      if (summary.status !== "ok") throw new Error(`reference run of ${r.slug} was ${summary.status}`);
    }
    return await snapshot(ref.db);
  } finally {
    await deps.http.close();
    await ref.drop();
  }
}

export interface RunRow {
  job_id: string;
  status: string;
  finished: boolean;
  stats_json: { errors?: { scope: string; message: string; retry?: string }[] } & Record<string, unknown>;
}

export async function runsOf(db: Database): Promise<RunRow[]> {
  return db.query<RunRow>(
    `SELECT job_id, status, finished_at IS NOT NULL AS finished, stats_json FROM coffee_scraper.runs ORDER BY started_at`,
  );
}

/**
 * The promise every fault test checks: each job ended as a finished, ok run; no run was left
 * open; every recorded slot is finished.
 */
export async function expectEveryJobFinished(db: Database, jobIds: string[]): Promise<string[]> {
  const problems: string[] = [];
  const runs = await runsOf(db);
  for (const id of jobIds) {
    const mine = runs.filter((r) => r.job_id === id);
    if (!mine.some((r) => r.finished && r.status === "ok")) {
      problems.push(`${id}: no finished ok run (${JSON.stringify(mine.map((r) => [r.status, r.finished]))})`);
    }
  }
  for (const r of runs)
    if (!r.finished) problems.push(`run of ${r.job_id} left unfinished (status ${r.status})`);
  const open = await db.query<{ job_id: string }>(
    `SELECT job_id FROM coffee_scraper.schedule_slots WHERE finished_at IS NULL`,
  );
  for (const s of open) problems.push(`slot of ${s.job_id} not finished`);
  return problems;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** A redis-server of the test's own (no persistence) on a free port, so the shared one is never disturbed. */
export interface OwnRedis {
  url: string;
  port: number;
  /** kill -9: every key is gone. */
  kill(): Promise<void>;
  start(): Promise<void>;
}

export async function startOwnRedis(extraArgs: string[] = []): Promise<OwnRedis> {
  const port = await freePort();
  let proc: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const start = async () => {
    proc = spawn(
      "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
        ...extraArgs,
      ],
      {
        stdio: "ignore",
      },
    );
    exited = new Promise((resolve) => proc!.on("exit", () => resolve()));
    await until(() => ping(port), 10_000, `redis-server on ${port}`);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async kill() {
      proc?.kill("SIGKILL");
      await exited;
    },
    start,
  };
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.setTimeout(500);
    s.on("connect", () => s.write("PING\r\n"));
    s.on("data", (d) => {
      // A server with requirepass answers NOAUTH: it is up all the same.
      resolve(/^(\+PONG|-NOAUTH)/.test(d.toString()));
      s.destroy();
    });
    s.on("error", () => resolve(false));
    s.on("timeout", () => {
      resolve(false);
      s.destroy();
    });
  });
}

/**
 * A TCP proxy (node:net) in front of `target`. `cut()` resets every connection and holds new
 * ones silent (the server is unreachable); `restore()` lets connections through again.
 */
export interface TcpProxy {
  port: number;
  connections(): number;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const live = new Set<net.Socket>();
  const held = new Set<net.Socket>();
  let down = false;
  const server = net.createServer((client) => {
    client.on("error", () => {});
    if (down) {
      held.add(client);
      client.on("close", () => held.delete(client));
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    const close = () => {
      client.destroy();
      upstream.destroy();
      live.delete(client);
      live.delete(upstream);
    };
    live.add(client);
    live.add(upstream);
    upstream.on("error", close);
    client.on("error", close);
    upstream.on("close", close);
    client.on("close", close);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => live.size / 2,
    cut() {
      down = true;
      for (const s of live) s.destroy();
    },
    restore() {
      down = false;
      for (const s of held) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of [...live, ...held]) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Peak resident set (VmHWM, kB) of a live process. */
export function peakRssKb(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

export function currentRssKb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * Differences between two snapshots, at most `limit`, as readable lines (empty when equal):
 * rows keyed by roaster, product and variant.
 */
export function snapshotDiff(actual: unknown[], expected: unknown[], limit = 15): string[] {
  const keyed = (rows: unknown[]) => {
    const map = new Map<string, string>();
    for (const row of rows as Record<string, unknown>[]) {
      const key = `${String(row.slug)}|${String(row.platform_product_id)}|${String(row.platform_variant_id)}`;
      const value = JSON.stringify(row, Object.keys(row).sort());
      map.set(key, map.has(key) ? `${map.get(key)} DUPLICATE ${value}` : value);
    }
    return map;
  };
  const a = keyed(actual);
  const e = keyed(expected);
  const out: string[] = [];
  for (const [k, v] of e) {
    if (!a.has(k)) out.push(`missing ${k}`);
    else if (a.get(k) !== v) out.push(`differs ${k}: ${a.get(k)} (expected ${v})`);
  }
  for (const k of a.keys()) if (!e.has(k)) out.push(`extra ${k}: ${a.get(k)}`);
  if (actual.length !== expected.length) out.push(`rows: ${actual.length} (expected ${expected.length})`);
  return out.slice(0, limit);
}
