import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeps } from "../../src/app/runtime.ts";
import type { Database } from "../../src/db/database.ts";
import { scrapeOnce } from "../../src/worker/scrape-once.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { addRoaster } from "../helpers/fetch.ts";
import { startLlm, type LlmStandIn } from "../helpers/llm-server.ts";
import { startImageKit, type ImageKitStandIn } from "../helpers/imagekit-server.ts";
import { silentLogger } from "../../src/core/logger.ts";
import { testSettings } from "../helpers/settings.ts";
import { startStoreServer, type StoreServer } from "../helpers/store-server.ts";

// With every flag off the optional stages leave no trace: the same store, scraped (full,
// price, forced full) into three databases — nothing configured; an LLM configured but the
// roaster's use_llm off; use_llm on but no LLM configured — leaves the same rows in each, no
// call reaches the LLM or ImageKit, and no row of the stages' own tables exists. (That this
// equals the rows main writes was checked once by the same dump of both trees: identical.)

const NOW = new Date("2026-06-01T10:00:00Z");

async function dump(db: Database) {
  const q = (sql: string) => db.query(sql);
  return {
    coffees: await q(
      `SELECT platform_product_id, name, slug, status::text, description_md, bean_species::text, process::text, process_raw,
              roast_level::text, roast_level_raw, decaf, notes_raw, source_raw, tags, varieties, default_grind::text FROM coffees ORDER BY 1`,
    ),
    variants: await q(
      `SELECT c.platform_product_id, v.platform_variant_id, v.sku, v.weight_g, v.grind::text, v.currency, v.price_current, v.in_stock,
              v.source_raw, v.price_last_checked_at FROM variants v JOIN coffees c ON c.id = v.coffee_id ORDER BY 1, 2`,
    ),
    prices: await q(`SELECT v.platform_variant_id, p.price, p.currency, p.is_sale, p.scraped_at FROM prices p JOIN variants v ON v.id = p.variant_id ORDER BY 1, 5`),
    images: await q(`SELECT c.platform_product_id, i.url, i.alt, i.sort_order, i.content_hash, i.imagekit_url FROM coffee_images i JOIN coffees c ON c.id = i.coffee_id ORDER BY 1, 2`),
    sensory: await q(`SELECT c.platform_product_id, s.acidity, s.body, s.notes, s.source::text, s.confidence::text FROM sensory_params s JOIN coffees c ON c.id = s.coffee_id ORDER BY 1`),
    held: await q(`SELECT platform_product_id, platform_variant_id, reason FROM coffee_scraper.held_variants ORDER BY 1, 2`),
    states: await q(`SELECT platform_product_id, raw_hash, offer_hash, is_coffee FROM coffee_scraper.product_state ORDER BY 1`),
    stages: await q(
      `SELECT (SELECT count(*) FROM coffee_scraper.llm_answers)::int AS answers, (SELECT count(*) FROM coffee_scraper.llm_usage)::int AS usage,
              (SELECT count(*) FROM coffee_scraper.image_uploads)::int AS uploads, (SELECT count(*) FROM coffee_scraper.image_failures)::int AS failures`,
    ),
    statKeys: (await q(`SELECT stats_json FROM scrape_runs ORDER BY started_at`)).map((r) => Object.keys(r.stats_json as object).sort()),
  };
}

describe("with every flag off", () => {
  let store: StoreServer;
  let llm: LlmStandIn;
  let imagekit: ImageKitStandIn;
  const databases: TestDatabase[] = [];

  beforeAll(async () => {
    store = await startStoreServer({ platform: "shopify" });
    llm = await startLlm(() => ({ json: {} }));
    imagekit = await startImageKit("private_unused_key_0000");
  });
  afterAll(async () => {
    for (const d of databases) await d.drop();
    await store?.close();
    await llm?.close();
    await imagekit?.close();
  });

  it("a run writes the same rows whether the stages are unconfigured, configured for no roaster, or asked for but unconfigured", async () => {
    const variants = [
      { env: {}, useLlm: false },
      { env: { LLM_BASE_URL: llm.url, LLM_MODEL: "m" }, useLlm: false },
      { env: {}, useLlm: true },
    ];
    const dumps = [];
    const warnings: string[][] = [];
    for (const variant of variants) {
      const database = await createTestDatabase("pglite");
      databases.push(database);
      const settings = testSettings({ HTTP_DELAY_MS: 0, HTTP_JITTER_MS: 0, DATA_DIR: mkdtempSync(path.join(tmpdir(), "cs-off-")), ...variant.env });
      const deps = { ...createDeps(settings, database.db, silentLogger()), clock: { now: () => NOW } };
      await addRoaster(database.db, store.url, { slug: "plain", platform: "shopify", use_llm: variant.useLlm });
      const runs = [];
      for (const [type, force] of [["full_refresh", false], ["price_only", false], ["full_refresh", true]] as const) {
        runs.push(await scrapeOnce({ deps, roaster: "plain", type, force }));
      }
      await deps.http.close();
      warnings.push(runs.flatMap((r) => (r.stats as { warnings: string[] }).warnings));
      dumps.push(await dump(database.db));
    }
    expect(dumps[0]!.coffees.length).toBeGreaterThan(5);
    expect(dumps[0]!.stages).toEqual([{ answers: 0, usage: 0, uploads: 0, failures: 0 }]);
    expect(dumps[0]!.statKeys.flat().some((k) => k.startsWith("llm_") || k.startsWith("images_"))).toBe(false);
    expect(dumps[1]).toEqual(dumps[0]);
    expect(dumps[2]).toEqual(dumps[0]);
    expect(llm.calls).toHaveLength(0);
    expect(imagekit.calls).toHaveLength(0);
    // Asked for but not configured: said, once per full run, and nothing else changes.
    expect(warnings[2]!.filter((w) => w.includes("use_llm is on but LLM_BASE_URL"))).toHaveLength(2);
    expect(warnings[0]).toEqual(warnings[1]);
  });
});
