import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Deps } from "../../src/app/deps.ts";
import { createDeps } from "../../src/app/runtime.ts";
import { llmUsageOn } from "../../src/db/llm-usage.ts";
import { replayRun } from "../../src/pipeline/replay.ts";
import type { RunStats } from "../../src/pipeline/run-stats.ts";
import type { EnrichmentStats } from "../../src/enrich/enricher.ts";
import { scrapeOnce } from "../../src/worker/scrape-once.ts";
import { testEngines, useTestDatabase } from "../helpers/database.ts";
import { addRoaster } from "../helpers/fetch.ts";
import { answerFor, startLlm, type LlmStandIn, type Scripted } from "../helpers/llm-server.ts";
import { captureLogger } from "../helpers/logs.ts";
import { unpacedSettings } from "../helpers/settings.ts";
import { shopifyProduct, startTinyShopify, type TinyShopify } from "../helpers/tiny-shopify.ts";
import { formatStatus } from "../../src/worker/status.ts";
import { statusAndPages } from "../helpers/status-pages.ts";

// The LLM enricher end to end: a roaster with use_llm scraped from a local Shopify store, with
// a local OpenAI-compatible endpoint answering as scripted (valid, not JSON, a value outside
// the enum, 429, slow, 500) and counting calls.

const KEY = "sk-test-llm-0123456789abcdef";
const MODEL = "test-model";

type Stats = RunStats & EnrichmentStats;

const GUJI = shopifyProduct({
  id: 1,
  title: "Ethiopia Guji Natural",
  body: "<p>Roast: Light. Tasting notes: jasmine, peach, bergamot.</p><p>Grown at 1900-2100 masl in Guji, Ethiopia.</p>",
});
const HOUSE = shopifyProduct({ id: 2, title: "House Blend", body: "<p>Our everyday coffee for espresso and milk.</p>" });
const MYSTERY = shopifyProduct({ id: 3, title: "Mystery Lot", body: "<p>Ask us what it is.</p>" });
const WRONG = shopifyProduct({ id: 4, title: "Wrong Enum Estate", body: "<p>From a small farm.</p>" });

describe.each(testEngines())("LLM enrichment on %s", (engine) => {
  const database = useTestDatabase(engine);
  let shop: TinyShopify;
  let llm: LlmStandIn;
  let deps: Deps;
  let logs: ReturnType<typeof captureLogger>;
  let down = false;
  /** Scripted answers by a word of the product's title, consumed first. */
  const queued = new Map<string, Scripted[]>();
  const now = new Date("2026-06-01T10:00:00Z");

  const answer = ({ prompt, fields }: { prompt: string; fields: string[] }): Scripted => {
    for (const [word, script] of queued) if (prompt.includes(word) && script.length > 0) return script.shift()!;
    if (down) return { status: 500 };
    if (prompt.includes("Ethiopia Guji")) {
      return { json: answerFor(fields, { roast_level: "dark", varieties: ["Heirloom"], region: "Guji", acidity: 4, body: { value: 2, confidence: "low" } }) };
    }
    if (prompt.includes("House Blend")) {
      return {
        json: answerFor(fields, {
          roast_level: { value: "medium_dark", confidence: "medium" },
          process: "washed",
          varieties: ["SL9", "Chandragiri"],
          country: "India",
          region: "Chikmagalur",
          altitude_m: 1200,
          tasting_notes: { value: ["dark chocolate", "walnut"], confidence: "medium" },
          acidity: 2,
          body: 4,
        }),
      };
    }
    if (prompt.includes("Mystery Lot")) return { text: "Sure! Here is the JSON you asked for: {" };
    if (prompt.includes("Wrong Enum")) return { json: answerFor(fields, { roast_level: "burnt" }) };
    if (prompt.includes("Aurora Lot")) return { json: answerFor(fields, { is_coffee: true, process: "natural", country: "Ethiopia" }) };
    if (prompt.includes("Cloud Nine")) return { json: answerFor(fields, { is_coffee: false, process: "washed" }) };
    if (prompt.includes("Maybe Lot")) return { json: answerFor(fields, { is_coffee: { value: true, confidence: "medium" }, process: "washed" }) };
    return { json: answerFor(fields, { process: "honey" }) };
  };

  const scrape = async (slug: string, options: { force?: boolean; deps?: Deps } = {}) => {
    const summary = await scrapeOnce({ deps: options.deps ?? deps, roaster: slug, type: "full_refresh", ...(options.force ? { force: true } : {}) });
    return { status: summary.status, runId: summary.runId, stats: summary.stats as unknown as Stats };
  };
  const coffee = async (platformProductId: string) => {
    const [row] = await database().db.query<Record<string, unknown>>(
      `SELECT c.roast_level::text AS roast_level, c.process::text AS process, c.varieties, c.notes_raw, c.source_raw->'inferred' AS inferred,
              s.source::text AS sensory_source, s.confidence::text AS sensory_confidence, s.acidity::float AS acidity, s.body::float AS body, s.notes
         FROM coffees c JOIN roasters r ON r.id = c.roaster_id LEFT JOIN sensory_params s ON s.coffee_id = c.id
        WHERE r.slug = 'llm-roaster' AND c.platform_product_id = $1`,
      [platformProductId],
    );
    return row!;
  };

  beforeAll(async () => {
    shop = await startTinyShopify([GUJI, HOUSE, MYSTERY, WRONG]);
    llm = await startLlm(answer);
    logs = captureLogger("debug");
    const settings = unpacedSettings("cs-llm-", {
      HTTP_RETRY_BASE_MS: 10,
      LLM_BASE_URL: llm.url,
      LLM_API_KEY: KEY,
      LLM_MODEL: MODEL,
      LLM_TIMEOUT_MS: 1000,
    });
    deps = { ...createDeps(settings, database().db, logs.log), clock: { now: () => now } };
    await addRoaster(database().db, shop.url, { slug: "llm-roaster", platform: "shopify", use_llm: true });
  });
  afterAll(async () => {
    await deps?.http.close();
    await shop?.close();
    await llm?.close();
  });

  it("asks only for what the parsers left unknown, stores valid answers as inferred, and never overrides a stated value", async () => {
    const run = await scrape("llm-roaster");
    expect(run.status).toBe("ok");
    expect(llm.calls).toHaveLength(4);
    expect(llm.calls.every((c) => c.authorization === `Bearer ${KEY}`)).toBe(true);
    expect(run.stats.llm_calls).toBe(4);
    expect(run.stats.llm_tokens).toBe(400);
    expect(run.stats.llm_invalid_answers).toBe(2);
    expect(run.stats.llm_enriched).toBe(2);

    // The stated roast level, process, notes, country and altitude were not even asked about.
    const gujiCall = llm.calls.find((c) => c.prompt.includes("Ethiopia Guji"))!;
    expect(gujiCall.fields.sort()).toEqual(["acidity", "body", "region", "varieties"]);
    const guji = await coffee("1");
    expect(guji).toMatchObject({ roast_level: "light", process: "natural", varieties: ["Heirloom"] });
    expect(guji.notes_raw).toMatchObject({ region: "Guji", country: "Ethiopia", tasting_notes: ["jasmine", "peach", "bergamot"] });
    // Stated notes: the row is the roaster's, and an inferred acidity is not put in it (it
    // would read as the roaster's); it is kept as inferred on the coffee. A low-confidence
    // body is not kept at all.
    expect(guji).toMatchObject({ sensory_source: "roaster", sensory_confidence: "high", acidity: null, body: null, notes: "jasmine, peach, bergamot" });
    expect(guji.inferred).toEqual({
      acidity: { value: 4, confidence: "high", model: MODEL },
      varieties: { value: ["Heirloom"], confidence: "high", model: MODEL },
      region: { value: "Guji", confidence: "high", model: MODEL },
    });

    const house = await coffee("2");
    expect(house).toMatchObject({ roast_level: "medium_dark", process: "washed", varieties: ["SL9", "Chandragiri"] });
    expect(house.notes_raw).toMatchObject({ country: "India", region: "Chikmagalur", altitude_m: 1200 });
    expect(house.notes_raw).not.toHaveProperty("tasting_notes");
    expect(house).toMatchObject({ sensory_source: "icb_inferred", sensory_confidence: "medium", acidity: 2, body: 4, notes: "dark chocolate, walnut" });
    expect((house.inferred as Record<string, unknown>).roast_level).toEqual({ value: "medium_dark", confidence: "medium", model: MODEL });

    // Invalid answers (not JSON; a roast level outside the enum) are refused: nothing inferred.
    for (const id of ["3", "4"]) {
      const row = await coffee(id);
      expect(row).toMatchObject({ roast_level: null, process: null, sensory_source: null, inferred: {} });
    }
    expect(run.stats.warnings.some((w) => w.includes("do not fit the schema"))).toBe(true);
    const cached = await database().db.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM coffee_scraper.llm_answers GROUP BY status ORDER BY status`,
    );
    expect(cached).toEqual([
      { status: "answered", n: 2 },
      { status: "invalid", n: 2 },
    ]);
    expect(await llmUsageOn(database().db, "2026-06-01")).toMatchObject({ calls: 4, tokens: 400 });
  });

  it("an unchanged product costs no call; a forced run and a replay answer from the cache", async () => {
    const again = await scrape("llm-roaster");
    expect(again.stats.products_unchanged).toBe(4);
    expect(again.stats.llm_cache_hits).toBe(0);
    expect(llm.calls).toHaveLength(4);

    const forced = await scrape("llm-roaster", { force: true });
    expect(forced.stats.llm_cache_hits).toBe(4);
    expect(forced.stats.llm_calls).toBe(0);
    expect(llm.calls).toHaveLength(4);
    expect(await coffee("2")).toMatchObject({ roast_level: "medium_dark", acidity: 2 });

    // Rewriting stored rows (reparse) keeps what was inferred, without a call.
    const replay = await replayRun(forced.runId, deps);
    expect((replay.stats as unknown as Stats).llm_cache_hits).toBe(4);
    expect(llm.calls).toHaveLength(4);
    expect(await coffee("2")).toMatchObject({ roast_level: "medium_dark", process: "washed", sensory_source: "icb_inferred" });
  });

  it("an LLM outage never fails a scrape: products are stored without enrichment and enriched next run, unchanged or not", async () => {
    shop.products = [GUJI, HOUSE, MYSTERY, WRONG, shopifyProduct({ id: 5, title: "Kalledevarapura Estate", body: "<p>A new lot.</p>" })];
    down = true;
    const outage = await scrape("llm-roaster").finally(() => (down = false));
    expect(outage.status).toBe("ok");
    expect(outage.stats.coffees_upserted).toBe(1);
    expect(outage.stats.llm_failed).toBe(1);
    expect(outage.stats.llm_pending).toBe(1);
    expect(outage.stats.warnings.some((w) => w.includes("enriched next run"))).toBe(true);
    expect(await coffee("5")).toMatchObject({ process: null, inferred: {} });
    const [state] = await database().db.query<{ raw_hash: string }>(
      `SELECT raw_hash FROM coffee_scraper.product_state WHERE platform_product_id = '5'`,
    );
    expect(state!.raw_hash.startsWith("pending:")).toBe(true);
    // Three attempts, each a 500.
    expect(llm.calls.slice(4).map((c) => c.status)).toEqual([500, 500, 500]);

    const after = await scrape("llm-roaster");
    expect(after.stats.products_unchanged).toBe(4);
    expect(after.stats.products_changed).toBe(1);
    expect(after.stats.llm_calls).toBe(1);
    expect(await coffee("5")).toMatchObject({ process: "honey", inferred: { process: { value: "honey", confidence: "high", model: MODEL } } });
    const [enriched] = await database().db.query<{ raw_hash: string }>(
      `SELECT raw_hash FROM coffee_scraper.product_state WHERE platform_product_id = '5'`,
    );
    expect(enriched!.raw_hash.startsWith("pending:")).toBe(false);
  });

  it("waits out a 429's Retry-After and a slow answer, each counted against the day's budget only when it may have been billed", async () => {
    const before = await llmUsageOn(database().db, "2026-06-01");
    queued.set("Slow Lane", [{ status: 429, retryAfter: "1" }, { delayMs: 1500, then: { json: {} } }]);
    shop.products = [...shop.products, shopifyProduct({ id: 6, title: "Slow Lane Espresso", body: "<p>Dark and sweet.</p>" })];
    const started = Date.now();
    const run = await scrape("llm-roaster");
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(run.stats.llm_calls).toBe(1);
    expect(await coffee("6")).toMatchObject({ process: "honey" });
    // 429, then an answer that came too late (the client had given up: never delivered), then one in time.
    expect(llm.calls.slice(-3).map((c) => c.status)).toEqual([429, 0, 200]);
    // The 429 was refused before any work: given back. The timed-out call may have been billed: it stands.
    const usage = await llmUsageOn(database().db, "2026-06-01");
    expect(usage.calls - before.calls).toBe(2);
  });

  it("a product whose page comes to state tasting notes: its sensory row becomes the roaster's, without the inferred acidity and body", async () => {
    expect(await coffee("2")).toMatchObject({ sensory_source: "icb_inferred", acidity: 2, body: 4 });
    const stated = shopifyProduct({ id: 2, title: "House Blend", body: "<p>Our everyday coffee. Tasting notes: cocoa, jaggery.</p>" });
    shop.products = shop.products.map((p) => (p.id === 2 ? stated : p));
    await scrape("llm-roaster");
    const house = await coffee("2");
    expect(house).toMatchObject({ sensory_source: "roaster", sensory_confidence: "high", acidity: null, body: null, notes: "cocoa, jaggery" });
    expect((house.inferred as Record<string, { value: unknown }>).acidity?.value).toBe(2);
  });

  it("the day's budget holds across two workers: over it, products are skipped and counted, never a failed run", async () => {
    const day = new Date("2026-06-02T08:00:00Z");
    const budgeted = { ...deps, settings: { ...deps.settings, LLM_DAILY_CALLS: 3 }, clock: { now: () => day } };
    const products = (base: number) =>
      Array.from({ length: 4 }, (_, i) => shopifyProduct({ id: base + i, title: `Budget Lot ${base + i}`, body: `<p>Lot ${base + i}.</p>` }));
    const shopA = await startTinyShopify(products(100));
    const shopB = await startTinyShopify(products(200));
    try {
      await addRoaster(database().db, shopA.url, { slug: "budget-a", platform: "shopify", use_llm: true });
      await addRoaster(database().db, shopB.url, { slug: "budget-b", platform: "shopify", use_llm: true });
      const calls = llm.calls.length;
      const [a, b] = await Promise.all([scrape("budget-a", { deps: budgeted }), scrape("budget-b", { deps: budgeted })]);
      expect([a.status, b.status]).toEqual(["ok", "ok"]);
      expect(llm.calls.slice(calls).map((c) => c.status)).toEqual([200, 200, 200]);
      expect(a.stats.llm_calls + b.stats.llm_calls).toBe(3);
      expect(a.stats.llm_pending + b.stats.llm_pending).toBe(5);
      expect(a.stats.llm_budget_skipped + b.stats.llm_budget_skipped).toBe(5);
      expect(await llmUsageOn(database().db, "2026-06-02")).toMatchObject({ calls: 3, skipped: 5 });
    } finally {
      await shopA.close();
      await shopB.close();
    }
  });

  it("status and the dashboard show the calls, tokens, cache hits, budget skips and invalid answers", async () => {
    const { status, pages } = await statusAndPages(deps, logs.log, ["/roasters/llm-roaster", "/"]);
    // Calls that were answered: 4 first, then one each after the outage, the slow lane and the stated notes.
    expect(status.roasters.find((r) => r.roaster === "llm-roaster")!.stages.llm).toMatchObject({
      calls: 7,
      tokens: 700,
      cache_hits: 8,
      invalid_answers: 2,
      pending: 0,
      coffees_inferred: 4,
    });
    expect(status.roasters.find((r) => r.roaster === "budget-a")!.stages.llm.budget_skipped).toBeGreaterThan(0);
    expect(formatStatus(status)).toMatch(/llm-roaster.*\n(.*\n)*\s+LLM \(30 days\): 7 call\(s\), 700 tokens, 8 from cache, 2 invalid; 4 coffee\(s\) with inferred values/);
    expect(pages[0]).toMatch(/data-llm-calls="7">7 call\(s\), 700 tokens, 8 answered from the cache/);
    expect(pages[0]).toContain('data-llm-invalid="2"');
    expect(pages[1]).toContain("LLM calls today");
  });

  it("asks whether a product the rules found no signal in is coffee, and takes only a sure yes", async () => {
    const unsure = (id: number, title: string) => shopifyProduct({ id, title, productType: "", sizes: [], body: "<p>Small lot from the highlands.</p>" });
    const store = await startTinyShopify([unsure(301, "Aurora Lot 7"), unsure(302, "Cloud Nine"), unsure(303, "Maybe Lot 9")]);
    try {
      await addRoaster(database().db, store.url, { slug: "unsure-roaster", platform: "shopify", use_llm: true });
      const run = await scrape("unsure-roaster");
      const asked = llm.calls.filter((c) => /Aurora Lot|Cloud Nine|Maybe Lot/.test(c.prompt));
      expect(asked).toHaveLength(3);
      expect(asked.every((c) => c.fields[0] === "is_coffee")).toBe(true);
      expect(run.stats.coffees_upserted).toBe(1);
      expect(run.stats.non_coffee_skipped).toBe(2);
      const rows = await database().db.query<{ name: string; process: string; reason: string; inferred: Record<string, unknown> }>(
        `SELECT c.name, c.process::text AS process, c.source_raw->'classification'->>'reason' AS reason, c.source_raw->'inferred' AS inferred
           FROM coffees c JOIN roasters r ON r.id = c.roaster_id WHERE r.slug = 'unsure-roaster'`,
      );
      expect(rows).toEqual([
        {
          name: "Aurora Lot 7",
          process: "natural",
          reason: "llm: no signal for the rules; the model is sure it is coffee",
          inferred: {
            is_coffee: { value: true, confidence: "high", model: MODEL },
            process: { value: "natural", confidence: "high", model: MODEL },
            country: { value: "Ethiopia", confidence: "high", model: MODEL },
          },
        },
      ]);
      // Its one variant states no size: held back, never guessed.
      expect(run.stats.variants_held).toBe(1);
      // Unchanged, nothing is asked again.
      const again = await scrape("unsure-roaster");
      expect(again.stats.llm_calls + again.stats.llm_cache_hits).toBe(0);
    } finally {
      await store.close();
    }
  });

  it("the API key appears in no log line and no run's stats", async () => {
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(JSON.stringify(logs.lines).includes(KEY)).toBe(false);
    const [runs] = await database().db.query<{ text: string }>(`SELECT string_agg(stats_json::text, '') AS text FROM scrape_runs`);
    expect(runs!.text.includes(KEY)).toBe(false);
  });
});
