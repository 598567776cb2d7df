import { beforeAll, describe, expect, it } from "vitest";
import { replayRun } from "../../src/pipeline/replay.ts";
import type { RunStats } from "../../src/pipeline/run-stats.ts";
import { testEngines, useTestDatabase } from "../helpers/database.ts";
import type { StoreServer } from "../helpers/store-server.ts";
import { useStoreRoaster } from "../helpers/store-roaster.ts";

// Unchanged is free: a product listed exactly as it was when last written is neither
// normalized nor rewritten — only when it was seen moves. Any change the normalizers could
// read (description, price, stock, images, the variant list) makes it go the full way, and
// `--force` and `replay` make every product go the full way. The store here answers every
// request in full (no ETags), so it is the product-level check that is tested, not 304s.

type Json = Record<string, unknown>;
type Variant = { id: number; price: string; available: boolean; title: string };

describe.each(testEngines())("unchanged products on %s", (engine) => {
  const database = useTestDatabase(engine);
  const roaster = useStoreRoaster(database, { slug: "steady", store: { platform: "shopify", etag: false } });
  const run = async (type: "full_refresh" | "price_only" = "full_refresh", force = false) => {
    const stats = await roaster.run({ type, force });
    expect(stats.status).toBe("ok");
    return stats;
  };
  // The i-th product the first run wrote as a coffee with a row for its first variant.
  let written: Json[] = [];
  const coffee = (i: number) => written[i]!;
  const rows = (sql: string, params: unknown[] = []) => database().db.query(sql, params);
  let store: StoreServer;
  beforeAll(() => {
    store = roaster.store();
  });

  it("a second run over a store that changed nothing normalizes and rewrites nothing; only last_seen_at moves", async () => {
    const first = await run();
    expect(first.products_new).toBe(store.products.length);
    const firstVariants = new Set(
      (await rows("SELECT platform_variant_id AS id FROM variants")).map((r) => r.id as string),
    );
    written = store.products.filter((p) => firstVariants.has(String((p.variants as Variant[])[0]!.id)));
    expect(written.length).toBeGreaterThan(8);
    expect(first.products_unchanged).toBe(0);
    const users = `SELECT c.platform_product_id, c.updated_at, v.platform_variant_id, v.updated_at AS v_updated, v.last_seen_at,
                          v.price_last_checked_at
                     FROM coffees c JOIN variants v ON v.coffee_id = c.id ORDER BY 1, 3`;
    const seen = "SELECT platform_product_id, last_seen_at FROM coffee_scraper.product_state ORDER BY 1";
    const [before, seenBefore] = [await rows(users), await rows(seen)];
    const second = await run();
    expect(second).toMatchObject({
      products_seen: store.products.length,
      products_unchanged: store.products.length,
      products_changed: 0,
      products_new: 0,
      coffees_upserted: 0,
      variants_upserted: 0,
      prices_inserted: 0,
    });
    expect(second.non_coffee_skipped).toBe(first.non_coffee_skipped);
    // The page came again byte for byte: it was recalled, not parsed, and its products still counted.
    expect(first.pages_recalled).toBe(0);
    expect(second.pages_recalled).toBe(second.pages);
    expect(second.timings_ms.normalize).toBeLessThan(first.timings_ms.normalize);
    // No row of the users' is rewritten; every product's (coffee or not) last_seen_at moves.
    expect(await rows(users)).toEqual(before);
    const seenAfter = await rows(seen);
    expect(seenAfter.map((r) => r.platform_product_id)).toEqual(seenBefore.map((r) => r.platform_product_id));
    expect(seenAfter).toHaveLength(store.products.length);
    seenAfter.forEach((r, i) =>
      expect(new Date(r.last_seen_at as string).getTime()).toBeGreaterThan(new Date(seenBefore[i]!.last_seen_at as string).getTime()),
    );
  });

  it("a changed description, price, stock, image list or variant list makes exactly that product go the full way", async () => {
    const [a, b, c, d, e] = [0, 1, 2, 3, 4].map(coffee);
    a!.body_html = `${String(a!.body_html)}<p>Now with tasting notes of jaggery.</p>`;
    (b!.variants as Variant[])[0]!.price = String(Number((b!.variants as Variant[])[0]!.price) + 25);
    (c!.variants as Variant[])[0]!.available = !(c!.variants as Variant[])[0]!.available;
    (d!.images as Json[]).push({ ...(d!.images as Json[])[0], id: 999_001, src: "https://cdn.example/new-angle.jpg", position: 99 });
    const extra = { ...(e!.variants as Json[])[0], id: 999_002, title: "2kg / Whole Bean", option1: "2kg", price: "4000.00" };
    (e!.variants as Json[]).push(extra);
    store.changed();
    const stats = await run();
    expect(stats.products_changed).toBe(5);
    expect(stats.products_unchanged).toBe(store.products.length - 5);
    expect(stats.pages_recalled).toBe(0);
    expect(stats.coffees_upserted).toBe(5);
    expect(stats.prices_inserted).toBe(2); // b's new price, and e's new variant's first price

    const [descr] = await rows("SELECT description_md FROM coffees WHERE platform_product_id = $1", [String(a!.id)]);
    expect(descr!.description_md).toContain("jaggery");
    const [stock] = await rows("SELECT in_stock FROM variants WHERE platform_variant_id = $1", [String((c!.variants as Variant[])[0]!.id)]);
    expect(stock!.in_stock).toBe((c!.variants as Variant[])[0]!.available);
    expect(await rows("SELECT 1 FROM coffee_images WHERE url = 'https://cdn.example/new-angle.jpg'")).toHaveLength(1);
    expect(await rows("SELECT weight_g FROM variants WHERE platform_variant_id = '999002'")).toEqual([{ weight_g: 2000 }]);
  });

  it("a price-only run skips products whose prices and stock are as they were, and writes the one that moved", async () => {
    const quiet = await run("price_only");
    expect(quiet.products_unchanged).toBe(store.products.length);
    expect(quiet.pages_recalled).toBe(quiet.pages);
    expect(quiet.prices_inserted).toBe(0);
    const f = coffee(5);
    (f.variants as Variant[])[0]!.price = String(Number((f.variants as Variant[])[0]!.price) + 10);
    store.changed();
    const moved = await run("price_only");
    expect(moved.products_changed).toBe(1);
    expect(moved.prices_inserted).toBe(1);
    expect(moved.coffees_upserted).toBe(0);
    // What a price-only run did not apply still differs for the next full refresh.
    const full = await run();
    // The page is the one the price-only run parsed, but what that run did not apply is not as written.
    expect(full.pages_recalled).toBe(0);
    expect(full.products_changed).toBe(1);
    expect(full.prices_inserted).toBe(0);
  });

  it("a coffee row deleted behind our back is written again, whatever the hashes say", async () => {
    const g = coffee(6);
    const [row] = await rows("SELECT id FROM coffees WHERE platform_product_id = $1", [String(g.id)]);
    await rows("DELETE FROM prices WHERE variant_id IN (SELECT id FROM variants WHERE coffee_id = $1)", [row!.id]);
    await rows("DELETE FROM variants WHERE coffee_id = $1", [row!.id]);
    await rows("DELETE FROM coffee_images WHERE coffee_id = $1", [row!.id]);
    await rows("DELETE FROM sensory_params WHERE coffee_id = $1", [row!.id]);
    await rows("DELETE FROM coffees WHERE id = $1", [row!.id]);
    const stats = await run();
    // The page came again byte for byte, but one of its products no longer stands as written: it is parsed.
    expect(stats.pages_recalled).toBe(0);
    expect(stats.products_changed).toBe(1);
    expect(await rows("SELECT 1 FROM coffees WHERE platform_product_id = $1", [String(g.id)])).toHaveLength(1);
  });

  it("a coffee that left the listing and comes back as it was is active again, its variants' stock as the store says", async () => {
    // One not touched by the tests above, with a variant in stock.
    const g = written.slice(7).find((p) => (p.variants as Variant[]).some((v) => v.available === true))!;
    const state = async () =>
      (
        await rows(
          `SELECT c.status::text AS status, array_agg(v.in_stock ORDER BY v.platform_variant_id) AS in_stock
             FROM coffees c JOIN variants v ON v.coffee_id = c.id WHERE c.platform_product_id = $1 GROUP BY c.status`,
          [String(g.id)],
        )
      ).map((r) => ({ status: r.status as string, inStock: r.in_stock as boolean[] }));
    const [before] = await state();
    expect(before!.status).toBe("active");
    expect(before!.inStock).toContain(true);
    const all = [...store.products];
    store.products.splice(0, store.products.length, ...all.filter((p) => p.id !== g.id));
    store.changed();
    expect(await run()).toMatchObject({ marked_unlisted: 1 });
    expect(await state()).toEqual([{ status: "discontinued", inStock: before!.inStock.map(() => false) }]);
    store.products.splice(0, store.products.length, ...all);
    store.changed();
    const back = await run();
    // Its listing is as it was, but its row no longer stands as written: it goes the full way.
    expect(back.products_changed).toBe(1);
    expect(await state()).toEqual([before]);
  });

  it("--force and replay normalize every product again", async () => {
    const forced = await run("full_refresh", true);
    expect(forced.products_unchanged).toBe(0);
    expect(forced.pages_recalled).toBe(0);
    expect(forced.products_changed).toBe(store.products.length);
    expect(forced.coffees_upserted).toBeGreaterThan(0);
    const [last] = await rows(
      `SELECT r.id FROM coffee_scraper.runs r WHERE r.job_type = 'full_refresh' AND r.status = 'ok' ORDER BY r.started_at DESC LIMIT 1`,
    );
    const replayed = await replayRun(last!.id as string, roaster.deps());
    const stats = replayed.stats as unknown as RunStats;
    expect(stats.products_unchanged).toBe(0);
    expect(stats.coffees_upserted).toBe(forced.coffees_upserted);
  });
});

describe.each(testEngines())("TOUCH_UNCHANGED_VARIANTS=true on %s", (engine) => {
  const database = useTestDatabase(engine);
  const roaster = useStoreRoaster(database, {
    slug: "touched",
    store: { platform: "shopify", etag: false },
    env: { TOUCH_UNCHANGED_VARIANTS: "true" },
  });
  const rows = (sql: string, params: unknown[] = []) => database().db.query(sql, params);

  it("a product seen unchanged also moves its variants' last_seen_at and price_last_checked_at, and nothing else of theirs", async () => {
    const run = () => roaster.run();
    await run();
    const variants = `SELECT c.updated_at, v.id, v.last_seen_at, v.price_last_checked_at, v.price_current
                        FROM variants v JOIN coffees c ON c.id = v.coffee_id ORDER BY v.id`;
    const before = await rows(variants);
    expect(before.length).toBeGreaterThan(8);
    const second = await run();
    expect(second.products_unchanged).toBe(roaster.store().products.length);
    expect(second.coffees_upserted).toBe(0);
    const after = await rows(variants);
    expect(after.map((r) => [r.id, r.updated_at, r.price_current])).toEqual(before.map((r) => [r.id, r.updated_at, r.price_current]));
    after.forEach((r, i) => {
      expect(new Date(r.last_seen_at as string).getTime()).toBeGreaterThan(new Date(before[i]!.last_seen_at as string).getTime());
      if (r.price_current !== null) {
        expect(new Date(r.price_last_checked_at as string).getTime()).toBeGreaterThan(new Date(before[i]!.price_last_checked_at as string).getTime());
      }
    });
  });
});
