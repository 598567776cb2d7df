import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createDeps } from "../../src/app/runtime.ts";
import { openDatabase } from "../../src/db/open-database.ts";
import { classify } from "../../src/core/errors.ts";
import { openEmbeddedQueue } from "../../src/queue/embedded.ts";
import { manualSlot } from "../../src/queue/enqueue.ts";
import { retentionFrom, retryPolicyFrom } from "../../src/queue/open-queue.ts";
import { startWorker } from "../../src/worker/worker.ts";
import { scrapeOnce } from "../../src/worker/scrape-once.ts";
import { POSTGRES_URL, testEngines, useTestDatabase } from "../helpers/database.ts";
import { captureLogger } from "../helpers/logs.ts";
import { testSettings, unpacedSettings } from "../helpers/settings.ts";
import { shopifyFixtureProducts, startStoreServer } from "../helpers/store-server.ts";
import { until } from "../helpers/until.ts";
import { addRoasters } from "./fleet.ts";
import { runsOf } from "./outcomes.ts";

// Database errors that no retry can fix are permanent: the statement fails the same way
// every time, so a job that meets one fails at once instead of fetching the store six times.
// Errors come from real statements on both engines; the job runs in a real worker.

async function errorOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  throw new Error("the statement was expected to fail");
}

describe.each(testEngines())("database errors on %s", (engine) => {
  const database = useTestDatabase(engine);
  const q = (sql: string, params: unknown[] = []) => () => database().db.query(sql, params);

  it.each([
    ["22P02 invalid text representation", q("SELECT 'x'::int")],
    ["22003 numeric value out of range", q("SELECT 40000::smallint")],
    ["22P05 NUL in a jsonb string", q("SELECT $1::jsonb", [JSON.stringify({ title: "a\u0000b" })])],
    ["22021 bytes that are not UTF-8", q("SELECT convert_from('\\xff'::bytea, 'UTF8')")],
    ["23505 unique violation", q("INSERT INTO coffee_scraper.migrations (version, name) SELECT version, name FROM coffee_scraper.migrations LIMIT 1")],
    ["23514 check violation", q("INSERT INTO coffee_scraper.roaster_options (roaster_id, currency) VALUES (gen_random_uuid(), 'not a code')")],
    ["42P01 undefined table", q("SELECT * FROM no_such_table")],
    ["42601 syntax error", q("SELEC 1")],
  ])("%s is permanent", async (name, run) => {
    const err = await errorOf(run);
    const code = name.slice(0, 5);
    expect((err as { code?: string }).code).toBe(code);
    expect(classify(err).retry).toBe("permanent");
  });

  // PGlite's WASM stack is larger than the server's max_stack_depth: it parses this JSON,
  // so only PostgreSQL can be made to raise 54001 this way.
  if (engine === "postgres") {
    it("54001 stack depth exceeded (JSON nested 100,000 deep) is permanent", async () => {
      const err = await errorOf(q("SELECT $1::jsonb", ["[".repeat(100_000) + "]".repeat(100_000)]));
      expect((err as { code?: string }).code).toBe("54001");
      expect(classify(err).retry).toBe("permanent");
    });
  }

  it("connection and serialization failures stay transient", async () => {
    const nowhere = await openDatabase({ databaseUrl: "postgres://postgres@127.0.0.1:9/none", dataDir: tmpdir() });
    const refused = await errorOf(() => nowhere.query("SELECT 1")).finally(() => nowhere.close());
    expect(classify(refused).retry).toBe("transient");
    for (const code of ["40001", "40P01", "08006", "57P01", "53300"]) {
      expect(classify(Object.assign(new Error("from the server"), { code })).retry).toBe("transient");
    }
  });
});

describe.skipIf(!POSTGRES_URL)("a job that meets a permanent database error, in a worker", () => {
  const testDb = useTestDatabase("postgres");

  it("fails once: the store is fetched once, not JOB_ATTEMPTS times, and the run is closed", async () => {
    const { db } = testDb();
    const store = await startStoreServer({ platform: "shopify", products: 20 });
    try {
      await addRoasters(db, [{ slug: "constrained", url: store.url, platform: "shopify" }]);
      // The users' database may hold constraints of its own: here, on their artifacts table,
      // one that every page this store sends breaks. No retry can change that.
      await db.query("ALTER TABLE public.scrape_artifacts ADD CONSTRAINT small_bodies CHECK (body_len < 1000)");
      const settings = unpacedSettings("cs-dberr-", {
        JOB_ATTEMPTS: 6,
        JOB_BACKOFF_MS: 10,
      });
      const { log, lines } = captureLogger();
      const deps = createDeps(settings, db, log);
      const queue = openEmbeddedQueue({ retry: retryPolicyFrom(settings), retention: retentionFrom(settings) });
      const consumer = startWorker({ deps, queue, concurrency: 1 });
      try {
        const [enqueued] = await queue.enqueueMany([
          { roaster: "constrained", type: "full_refresh", slot: manualSlot(new Date()), reason: "test" },
        ]);
        await until(async () => (await queue.stateOf(enqueued!.id)) === "failed", 20_000, "the job to fail");
        await new Promise((r) => setTimeout(r, 300)); // a retry (10 ms backoff) would have started by now
        expect(lines.filter((l) => l.msg === "job started")).toHaveLength(1);
        expect(lines.find((l) => l.msg === "job finished")).toMatchObject({ outcome: "failed", retryClass: "permanent" });
        expect(store.requestsTo(/^\/products\.json/)).toHaveLength(1);
        const runs = await runsOf(db);
        expect(runs).toMatchObject([{ status: "fail", finished: true }]);
        expect(runs[0]!.stats_json.errors).toContainEqual(
          expect.objectContaining({ scope: "run", retry: "permanent", message: expect.stringMatching(/small_bodies/) }),
        );
      } finally {
        await consumer.close({ timeoutMs: 5000 });
        await queue.close();
        await deps.http.close();
      }
    } finally {
      await store.close();
    }
  });

  it("a NUL in an invalid product's id: the run is partial and closed, the other products written, fetched once", async () => {
    const { db } = testDb();
    await db.query("ALTER TABLE public.scrape_artifacts DROP CONSTRAINT IF EXISTS small_bodies");
    const good = shopifyFixtureProducts()
      .filter((p) => /coffee|roast/i.test(String(p.product_type ?? "")))
      .slice(0, 3);
    expect(good).toHaveLength(3);
    const store = await startStoreServer({ platform: "shopify" });
    store.products.splice(0, store.products.length, ...good, { id: "bad\u0000id", title: 5 });
    store.changed();
    const deps = createDeps(
      testSettings({ HTTP_DELAY_MS: 0, HTTP_JITTER_MS: 0, DATA_DIR: mkdtempSync(path.join(tmpdir(), "cs-dberr-")) }),
      db,
      captureLogger().log,
    );
    try {
      await addRoasters(db, [{ slug: "nul-id", url: store.url, platform: "shopify" }]);
      const summary = await scrapeOnce({ deps, roaster: "nul-id", type: "full_refresh" });
      expect(summary.status).toBe("partial");
      expect(store.requestsTo(/^\/products\.json/)).toHaveLength(1);
      const [run] = await db.query<{ finished: boolean; errors: { product?: string }[] }>(
        `SELECT sr.finished_at IS NOT NULL AS finished, sr.stats_json -> 'errors' AS errors FROM coffee_scraper.runs sr
           JOIN product_sources ps ON ps.id = sr.source_id JOIN roasters r ON r.id = ps.roaster_id WHERE r.slug = 'nul-id'`,
      );
      expect(run!.finished).toBe(true);
      expect(run!.errors.map((e) => e.product)).toContain("badid");
      const written = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM coffees c JOIN roasters r ON r.id = c.roaster_id WHERE r.slug = 'nul-id'",
      );
      expect(written[0]!.n).toBeGreaterThan(0);
    } finally {
      await deps.http.close();
      await store.close();
    }
  });
});
