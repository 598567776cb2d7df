import { describe, expect, it } from "vitest";
import type { Database } from "../../src/db/database.ts";
import type { RawProduct } from "../../src/platforms/raw-product.ts";
import type { NormalizedProduct, NormalizedVariant } from "../../src/pipeline/normalize/types.ts";
import { listingHashes } from "../../src/pipeline/listing-hash.ts";
import type { JobMode } from "../../src/core/job-kinds.ts";
import { chunkDocuments, ingestDocument, ingestPage, INGEST_CHUNK, markUnlisted } from "../../src/pipeline/persist.ts";
import type { JsonBytes } from "../../src/db/json-param.ts";
import { testEngines, useTestDatabase } from "../helpers/database.ts";
import { addRoaster } from "../helpers/fetch.ts";

function variant(id: string, price: number | null, extra: Partial<NormalizedVariant> = {}): NormalizedVariant {
  return {
    platformVariantId: id,
    sku: `SKU-${id}`,
    weightG: 250,
    weightSource: "variant_title",
    packCount: 1,
    grind: "whole",
    grindRaw: "Whole Bean",
    currency: "INR",
    price,
    compareAtPrice: null,
    isSale: false,
    inStock: true,
    stockQty: null,
    subscriptionAvailable: false,
    warnings: [],
    ...extra,
  };
}

function product(id: string, variants: NormalizedVariant[], extra: Partial<NormalizedProduct> = {}): NormalizedProduct {
  return {
    platformProductId: id,
    isCoffee: true,
    kind: "beans",
    classificationReason: "test",
    name: `Coffee ${id}`,
    slug: `coffee-${id}`,
    descriptionMd: "Chocolate and citrus",
    directBuyUrl: `https://store.example/products/coffee-${id}`,
    roastLevel: "medium",
    roastLevelRaw: "Medium",
    roastStyleRaw: null,
    process: "washed",
    processRaw: "Washed",
    species: "arabica",
    decaf: false,
    varieties: [],
    country: "India",
    region: "Chikmagalur",
    altitude: null,
    tastingNotes: ["chocolate"],
    tags: ["single origin"],
    defaultGrind: "whole",
    variants,
    images: [{ url: `https://cdn.example/${id}.jpg`, alt: null, width: 800, height: 800, sortOrder: 0 }],
    warnings: [],
    ...extra,
  };
}

const raw = (p: NormalizedProduct): RawProduct => ({
  platform: "shopify",
  platformProductId: p.platformProductId,
  title: p.name,
  handle: p.slug,
  url: p.directBuyUrl,
  descriptionHtml: null,
  productType: "Coffee",
  vendor: null,
  tags: [],
  categories: [],
  options: [],
  variants: p.variants.map((v) => ({
    platformVariantId: v.platformVariantId,
    title: "250g",
    options: [],
    sku: v.sku,
    price: { amount: String(v.price) },
    compareAtPrice: { amount: null },
    available: true,
    stockQty: null,
    shippingGrams: null,
    raw: { id: v.platformVariantId },
  })),
  images: [],
  currency: null,
  publishedAt: null,
  raw: { id: p.platformProductId, variants: [] },
});

async function setup(db: Database, slug: string, alertPct = 10) {
  const { id } = await addRoaster(db, `https://${slug}.example`, { slug, platform: "shopify", alert_price_delta_pct: alertPct });
  const [source] = await db.query<{ id: string }>("SELECT id FROM product_sources WHERE roaster_id = $1", [id]);
  const [run] = await db.query<{ id: string }>("SELECT rpc_scrape_run_start($1) AS id", [source!.id]);
  const ingest = (mode: JobMode, products: NormalizedProduct[]) =>
    ingestPage(db, {
      roasterId: id,
      runId: run!.id,
      mode,
      documents: products.map((p) => ingestDocument(p, raw(p), listingHashes(raw(p), "INR"))),
      sourceUrl: `https://${slug}.example/products.json?page=1`,
      scrapedAt: new Date(),
    });
  return { roasterId: id, ingest };
}

const countRows = async (db: Database, sql: string, params: unknown[]) =>
  (await db.query<{ n: number }>(sql, params))[0]!.n;

describe.each(testEngines())("page ingestion on %s", (engine) => {
  const database = useTestDatabase(engine);

  it("writes coffees, variants, images and first prices; a repeat writes the same rows and no price", async () => {
    const { db } = database();
    const { roasterId, ingest } = await setup(db, "repeat");
    const page = [product("a", [variant("a1", 450), variant("a2", 1600, { weightG: 1000 })]), product("b", [variant("b1", 500)])];
    const first = await ingest("full", page);
    expect(first).toMatchObject({ coffees: 2, variants: 3, prices: 3, unchanged_prices: 0, errors: [], alerts: [] });
    const snapshot = () =>
      db.query(
        `SELECT c.platform_product_id, c.slug, c.name, c.notes_raw, v.platform_variant_id, v.price_current, v.weight_g,
                v.grind, v.currency
           FROM coffees c JOIN variants v ON v.coffee_id = c.id WHERE c.roaster_id = $1 ORDER BY 1, 3`,
        [roasterId],
      );
    const before = await snapshot();
    const second = await ingest("full", page);
    expect(second).toMatchObject({ coffees: 2, variants: 3, prices: 0, unchanged_prices: 3 });
    expect(await snapshot()).toEqual(before);
    expect(
      await countRows(db, "SELECT count(*)::int AS n FROM prices p JOIN variants v ON v.id = p.variant_id JOIN coffees c ON c.id = v.coffee_id WHERE c.roaster_id = $1", [roasterId]),
    ).toBe(3);
    expect(await countRows(db, "SELECT count(*)::int AS n FROM coffee_images i JOIN coffees c ON c.id = i.coffee_id WHERE c.roaster_id = $1", [roasterId])).toBe(2);
  });

  it("a price change inserts one row and, past the threshold, one alert; sale state counts as a change", async () => {
    const { db } = database();
    const { ingest } = await setup(db, "alerts", 10);
    await ingest("full", [product("p", [variant("p1", 400), variant("p2", 1000)])]);
    const moved = await ingest("price", [product("p", [variant("p1", 460), variant("p2", 1050)])]);
    expect(moved.prices).toBe(2);
    expect(moved.alerts).toHaveLength(1); // +15% alerts, +5% does not
    expect(moved.alerts[0]).toMatchObject({ platform_variant_id: "p1", old_price: 400, new_price: 460, delta_pct: 15 });
    const sale = await ingest("price", [product("p", [variant("p1", 460, { isSale: true, compareAtPrice: 500 }), variant("p2", 1050)])]);
    expect(sale.prices).toBe(1);
    expect(sale.alerts).toHaveLength(0);
  });

  it("price-only never creates coffees or variants and keeps what the full refresh decided", async () => {
    const { db } = database();
    const { roasterId, ingest } = await setup(db, "price-only");
    await ingest("full", [product("k", [variant("k1", 300)])]);
    const result = await ingest("price", [
      product("k", [variant("k1", 310, { weightG: 999, grind: "espresso", inStock: false }), variant("k-new", 100)], { name: "Renamed" }),
      product("never-seen", [variant("n1", 100)]),
    ]);
    expect(result).toMatchObject({ coffees: 0, variants: 1, prices: 1, unknown_products: 1, unknown_variants: 1 });
    const [row] = await db.query<{ name: string; weight_g: number; grind: string; in_stock: boolean; price_current: number; n: number }>(
      `SELECT c.name, v.weight_g, v.grind, v.in_stock, v.price_current,
              (SELECT count(*)::int FROM coffees WHERE roaster_id = $1) AS n
         FROM coffees c JOIN variants v ON v.coffee_id = c.id WHERE c.roaster_id = $1`,
      [roasterId],
    );
    expect(row).toEqual({ name: "Coffee k", weight_g: 250, grind: "whole", in_stock: false, price_current: 310, n: 1 });
  });

  it("a database error on one product is reported and loses no other product", async () => {
    const { db } = database();
    const { roasterId, ingest } = await setup(db, "isolation");
    const bad = product("bad", [variant("x1", 100)], { roastLevel: "burnt" as never });
    const result = await ingest("full", [product("good1", [variant("g1", 100)]), bad, product("good2", [variant("g2", 200)])]);
    expect(result.coffees).toBe(2);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ product: "bad" });
    expect(result.errors[0]!.message).toMatch(/roast_level_enum/);
    const ids = await db.query<{ platform_product_id: string }>(
      "SELECT platform_product_id FROM coffees WHERE roaster_id = $1 ORDER BY 1",
      [roasterId],
    );
    expect(ids.map((r) => r.platform_product_id)).toEqual(["good1", "good2"]);
  });

  it("marks coffees the store no longer lists, and revives them when listed again", async () => {
    const { db } = database();
    const { roasterId, ingest } = await setup(db, "unlisted");
    await ingest("full", [product("stay", [variant("s1", 100)]), product("gone", [variant("g1", 100)])]);
    expect(await markUnlisted(db, roasterId, null, ["stay"])).toMatchObject({ marked: 1, held: 0 });
    const state = () =>
      db.query<{ platform_product_id: string; status: string; in_stock: boolean }>(
        `SELECT c.platform_product_id, c.status, v.in_stock FROM coffees c JOIN variants v ON v.coffee_id = c.id
          WHERE c.roaster_id = $1 ORDER BY 1`,
        [roasterId],
      );
    expect(await state()).toEqual([
      { platform_product_id: "gone", status: "discontinued", in_stock: false },
      { platform_product_id: "stay", status: "active", in_stock: true },
    ]);
    expect(await markUnlisted(db, roasterId, null, ["stay"])).toMatchObject({ marked: 0, held: 0 });
    await ingest("full", [product("gone", [variant("g1", 100)])]);
    expect((await state())[0]).toEqual({ platform_product_id: "gone", status: "active", in_stock: true });
  });

  it("holds back a variant whose bag size is unknown, or whose price has no currency, and writes it once known", async () => {
    const { db } = database();
    const { roasterId, ingest } = await setup(db, "held");
    const first = await ingest("full", [
      product("h", [variant("h1", 450), variant("h2", 900, { weightG: null }), variant("h3", 500, { currency: null })]),
    ]);
    expect(first).toMatchObject({ coffees: 1, variants: 1, prices: 1, errors: [] });
    expect(first.held.map((h) => [h.variant, h.reason, h.kept_stored_row])).toEqual([
      ["h2", "bag size unknown", false],
      ["h3", "price without a currency", false],
    ]);
    const variants = () =>
      db.query<{ platform_variant_id: string; weight_g: number }>(
        `SELECT v.platform_variant_id, v.weight_g FROM variants v JOIN coffees c ON c.id = v.coffee_id
          WHERE c.roaster_id = $1 ORDER BY 1`,
        [roasterId],
      );
    expect(await variants()).toEqual([{ platform_variant_id: "h1", weight_g: 250 }]);
    const held = () =>
      db.query<{ platform_variant_id: string; reason: string }>(
        "SELECT platform_variant_id, reason FROM coffee_scraper.held_variants WHERE roaster_id = $1 ORDER BY 1",
        [roasterId],
      );
    expect(await held()).toEqual([
      { platform_variant_id: "h2", reason: "bag size unknown" },
      { platform_variant_id: "h3", reason: "price without a currency" },
    ]);
    // The store says what they are: they become rows, and are held no longer.
    const later = await ingest("full", [product("h", [variant("h1", 450), variant("h2", 900, { weightG: 500 }), variant("h3", 500)])]);
    expect(later.held).toEqual([]);
    expect(await variants()).toEqual([
      { platform_variant_id: "h1", weight_g: 250 },
      { platform_variant_id: "h2", weight_g: 500 },
      { platform_variant_id: "h3", weight_g: 250 },
    ]);
    expect(await held()).toEqual([]);
  });

  it("a stored row whose size can no longer be read keeps its size; its price and stock stay current", async () => {
    const { db } = database();
    const { roasterId, ingest } = await setup(db, "kept-size");
    await ingest("full", [product("k", [variant("k1", 300)])]);
    const result = await ingest("full", [product("k", [variant("k1", 330, { weightG: null, inStock: false })])]);
    expect(result.held).toEqual([expect.objectContaining({ variant: "k1", reason: "bag size unknown", kept_stored_row: true })]);
    expect(result.prices).toBe(1);
    const [row] = await db.query(
      `SELECT v.weight_g, v.price_current, v.in_stock FROM variants v JOIN coffees c ON c.id = v.coffee_id WHERE c.roaster_id = $1`,
      [roasterId],
    );
    expect(row).toEqual({ weight_g: 250, price_current: 330, in_stock: false });
  });

  it("stores region, country and altitude in notes_raw, and tasting notes in sensory_params as the roaster's", async () => {
    const { db } = database();
    const { roasterId, ingest } = await setup(db, "notes");
    await ingest("full", [
      product("n", [variant("n1", 300)], { altitude: "1200-1400 masl", tastingNotes: ["jaggery", "orange"] }),
      product("f", [variant("f1", 300)], { altitude: "4000 ft", tastingNotes: [], region: null, country: null }),
    ]);
    const rows = await db.query<{ platform_product_id: string; notes_raw: Record<string, unknown> }>(
      "SELECT platform_product_id, notes_raw FROM coffees WHERE roaster_id = $1 ORDER BY 1",
      [roasterId],
    );
    expect(rows).toEqual([
      { platform_product_id: "f", notes_raw: { altitude_m: 1219, altitude_raw: "4000 ft" } },
      {
        platform_product_id: "n",
        notes_raw: {
          region: "Chikmagalur",
          country: "India",
          altitude_m: 1200,
          altitude_max_m: 1400,
          altitude_raw: "1200-1400 masl",
          tasting_notes: ["jaggery", "orange"],
        },
      },
    ]);
    const sensory = await db.query(
      `SELECT s.notes, s.source::text AS source, s.confidence::text AS confidence FROM sensory_params s
         JOIN coffees c ON c.id = s.coffee_id WHERE c.roaster_id = $1`,
      [roasterId],
    );
    expect(sensory).toEqual([{ notes: "jaggery, orange", source: "roaster", confidence: "high" }]);
  });

  it("keeps a coffee's slug and an editor's status; adopts a hand-made row of the same slug; never takes another product's slug", async () => {
    const { db } = database();
    const { roasterId, ingest } = await setup(db, "slugs");
    // A row entered by hand (no platform product id) under the slug the store will use.
    await db.query(
      `INSERT INTO coffees (name, slug, roaster_id, status) VALUES ('Hand-made', 'coffee-hand', $1, 'hidden')`,
      [roasterId],
    );
    await ingest("full", [
      product("hand", [variant("x1", 100)]),
      product("p1", [variant("p1v", 100)], { slug: "shared-handle" }),
    ]);
    // The handle changes; another product now uses the old one.
    await ingest("full", [
      product("p1", [variant("p1v", 100)], { slug: "renamed-handle" }),
      product("p2", [variant("p2v", 100)], { slug: "shared-handle" }),
    ]);
    const rows = await db.query(
      "SELECT platform_product_id, slug, status::text AS status FROM coffees WHERE roaster_id = $1 ORDER BY slug",
      [roasterId],
    );
    expect(rows).toEqual([
      { platform_product_id: "hand", slug: "coffee-hand", status: "hidden" },
      { platform_product_id: "p1", slug: "shared-handle", status: "active" },
      { platform_product_id: "p2", slug: "shared-handle-p2", status: "active" },
    ]);
  });

  it("a product whose id two coffees carry fails alone, naming them", async () => {
    const { db } = database();
    const { roasterId, ingest } = await setup(db, "twins");
    await db.query(
      `INSERT INTO coffees (name, slug, roaster_id, platform_product_id) VALUES ('A', 'twin-a', $1, 't'), ('B', 'twin-b', $1, 't')`,
      [roasterId],
    );
    const result = await ingest("full", [product("t", [variant("t1", 100)]), product("ok", [variant("o1", 100)])]);
    expect(result.coffees).toBe(1);
    expect(result.errors).toEqual([expect.objectContaining({ product: "t", message: expect.stringMatching(/twin-a, twin-b/) })]);
  });

  it("a NUL, a lone surrogate or deep nesting in one product is cleaned, and the page is written", async () => {
    const { db } = database();
    const { roasterId } = await setup(db, "hostile-text");
    let deep: unknown = "bottom";
    for (let i = 0; i < 5000; i++) deep = { d: deep };
    const nul = product("nul", [variant("n1", 100)], { name: "Nul\u0000Coffee", tags: ["a\u0000b"] });
    const surrogate = product("sur", [variant("s1", 100)], { name: "Half \ud800 pair" });
    const nested = product("deep", [variant("d1", 100)]);
    const result = await ingestPage(db, {
      roasterId,
      runId: (await db.query<{ id: string }>("SELECT id FROM scrape_runs ORDER BY started_at DESC LIMIT 1"))[0]!.id,
      mode: "full",
      documents: [nul, surrogate, nested].map((p) => {
        const r = { ...raw(p), raw: { id: p.platformProductId, deep } };
        return ingestDocument(p, r, listingHashes(r, "INR"));
      }),
      sourceUrl: "https://hostile.example/products.json",
      scrapedAt: new Date(),
    });
    expect(result).toMatchObject({ coffees: 3, variants: 3, errors: [] });
    const names = await db.query<{ name: string }>("SELECT name FROM coffees WHERE roaster_id = $1 ORDER BY platform_product_id", [roasterId]);
    expect(names.map((r) => r.name)).toEqual(["Coffee deep", "NulCoffee", "Half \ufffd pair"]);
  });
});

describe("chunkDocuments", () => {
  const doc = (i: number, size = 10) => ({ platform_product_id: String(i), name: `café ${i}`, pad: "x".repeat(size) });
  const decoded = (chunks: JsonBytes[]) => chunks.map((c) => JSON.parse(c.utf8.toString()) as Record<string, unknown>[]);

  it("keeps every document, in order, in JSON arrays of at most INGEST_CHUNK.products", () => {
    const docs = Array.from({ length: INGEST_CHUNK.products * 2 + 3 }, (_, i) => doc(i));
    const chunks = decoded([...chunkDocuments(docs)]);
    expect(chunks.map((c) => c.length)).toEqual([INGEST_CHUNK.products, INGEST_CHUNK.products, 3]);
    expect(chunks.flat()).toEqual(docs);
  });

  it("starts a new chunk before one would pass INGEST_CHUNK.bytes; a bigger document goes alone", () => {
    const third = Math.floor(INGEST_CHUNK.bytes / 3);
    const docs = [doc(1, third), doc(2, third), doc(3, third), doc(4, INGEST_CHUNK.bytes + 10), doc(5)];
    const chunks = [...chunkDocuments(docs)];
    expect(decoded(chunks).map((c) => c.map((d) => d.platform_product_id))).toEqual([["1", "2"], ["3"], ["4"], ["5"]]);
    for (const chunk of chunks.slice(0, 2)) expect(chunk.utf8.length).toBeLessThanOrEqual(INGEST_CHUNK.bytes + 2);
  });

  it("yields nothing for no documents", () => {
    expect([...chunkDocuments([])]).toEqual([]);
  });
});
