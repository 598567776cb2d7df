import { describe, expect, it } from "vitest";
import type { RememberedProduct } from "../../src/db/listing-pages.ts";
import type { ProductState } from "../../src/db/product-state.ts";
import { ListingMemory, listingDigest, rememberedPage } from "../../src/pipeline/listing-memory.ts";
import { testEngines, useTestDatabase } from "../helpers/database.ts";
import { useStoreRoaster } from "../helpers/store-roaster.ts";

// A listing page sent again byte for byte is recalled instead of parsed — but only when every
// product on it stands as written (the hashes remembered for it are the ones product_state
// holds now); anything else, and the page is parsed as usual.

const URL_1 = "https://store.example/products.json?limit=250&page=1";
const body = Buffer.from('{"products":[{"id":1},{"id":2}]}');
const state = (rawHash: string, offerHash: string, more: Partial<ProductState> = {}): ProductState => ({
  rawHash,
  offerHash,
  isCoffee: true,
  intact: true,
  ...more,
});
const remembered = () =>
  new Map([
    [
      URL_1,
      rememberedPage(body, "INR", [
        ["1", { raw: "r1", offer: "o1" }],
        ["2", { raw: "r2", offer: "o2" }],
      ]),
    ],
  ]);

describe("ListingMemory.recall", () => {
  const asWritten = new Map([
    ["1", state("r1", "o1")],
    ["2", state("r2", "o2")],
  ]);

  it("recalls a page whose body and products are as remembered", () => {
    expect(new ListingMemory(remembered(), asWritten, "full").recall(URL_1, body, "INR")).toEqual(["1", "2"]);
  });

  it("parses a page whose body differs by a byte, is read in another currency, or was never remembered", () => {
    const memory = new ListingMemory(remembered(), asWritten, "full");
    expect(memory.recall(URL_1, Buffer.from('{"products":[{"id":1},{"id":3}]}'), "INR")).toBeNull();
    expect(memory.recall(URL_1, body, "USD")).toBeNull();
    expect(memory.recall(URL_1, body, null)).toBeNull();
    expect(memory.recall("https://store.example/products.json?limit=250&page=2", body, "INR")).toBeNull();
  });

  it("parses a page one of whose products no longer stands as written", () => {
    const changed = (id: string, s: ProductState) => new Map([...asWritten, [id, s]]);
    // Written since from another page (its listing hash moved), deleted behind our back, or never written.
    expect(new ListingMemory(remembered(), changed("2", state("r2'", "o2")), "full").recall(URL_1, body, "INR")).toBeNull();
    expect(new ListingMemory(remembered(), changed("2", state("r2", "o2", { intact: false })), "full").recall(URL_1, body, "INR")).toBeNull();
    expect(new ListingMemory(remembered(), new Map([["1", state("r1", "o1")]]), "full").recall(URL_1, body, "INR")).toBeNull();
  });

  it("compares what each kind of run applies: a full refresh the raw hash, a price-only run the offer hash", () => {
    const pricesWritten = new Map([
      ["1", state("r1-old", "o1")],
      ["2", state("r2", "o2")],
    ]);
    expect(new ListingMemory(remembered(), pricesWritten, "price").recall(URL_1, body, "INR")).toEqual(["1", "2"]);
    expect(new ListingMemory(remembered(), pricesWritten, "full").recall(URL_1, body, "INR")).toBeNull();
    const offerMoved = new Map([...asWritten, ["1", state("r1", "o1'")]]);
    expect(new ListingMemory(remembered(), offerMoved, "price").recall(URL_1, body, "INR")).toBeNull();
  });

  it("parses a page that lists a product already listed in this run (so the repeat is reported)", () => {
    const listed = new Set<string>();
    const memory = new ListingMemory(remembered(), asWritten, "full", listed);
    listed.add("2");
    expect(memory.recall(URL_1, body, "INR")).toBeNull();
  });

  it("parses a page whose remembered row is not of the shape it writes", () => {
    for (const products of [null, {}, [["1", "r1"]], ["1"]] as unknown[]) {
      const odd = new Map([[URL_1, { digest: listingDigest(body, "INR"), products: products as RememberedProduct[] }]]);
      expect(new ListingMemory(odd, asWritten, "full").recall(URL_1, body, "INR")).toBeNull();
    }
  });

  it("digests the body under the currency it is read in", () => {
    expect(listingDigest(body, "INR")).not.toBe(listingDigest(body, "USD"));
    expect(listingDigest(body, "INR")).toBe(listingDigest(Buffer.from(body), "INR"));
  });
});

describe.each(testEngines())("recalled pages in a real run on %s", (engine) => {
  const database = useTestDatabase(engine);
  // Two pages of Shopify's 250.
  const roaster = useStoreRoaster(database, { slug: "paged", store: { platform: "shopify", products: 300, etag: false } });
  const run = async () => {
    const stats = await roaster.run();
    expect(stats.status).toBe("ok");
    return stats;
  };

  it("recalls the pages that came again, parses the one that changed, and counts every product either way", async () => {
    const first = await run();
    expect(first.pages_recalled).toBe(0);
    const again = await run();
    expect(again.pages_recalled).toBe(2);
    expect(again).toMatchObject({ products_seen: 300, products_unchanged: 300, products_changed: 0, coffees_upserted: 0 });
    expect(again.non_coffee_skipped).toBe(first.non_coffee_skipped);

    // A product on page 2 changes: page 1 is recalled, page 2 parsed, the product written.
    const store = roaster.store();
    const moved = store.products[270]!;
    moved.title = `${String(moved.title)} (new crop)`;
    store.changed();
    const third = await run();
    expect(third.pages_recalled).toBe(1);
    expect(third).toMatchObject({ products_seen: 300, products_unchanged: 299, products_changed: 1 });
    // Nothing is marked gone: every product was listed, recalled or parsed.
    expect(third.marked_unlisted).toBe(0);
  });
});
