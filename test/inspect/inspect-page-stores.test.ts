// `inspect` on stores read from their pages: a JSON-LD store by URL, a saved product page,
// and a Firecrawl roaster (refused: reading it would spend its budget; its runs can be inspected).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InspectReport } from "../../src/inspect/report.ts";
import { readRoasterStore } from "../../src/inspect/sources.ts";
import { runCli } from "../helpers/cli.ts";
import { useTestDatabase } from "../helpers/database.ts";
import { addRoaster } from "../helpers/fetch.ts";
import { squarespacePage, startJsonLdSite, wixPage, type JsonLdSite } from "../helpers/jsonld-site.ts";
import { captureLogger } from "../helpers/logs.ts";
import { testSettings } from "../helpers/settings.ts";

const scratch = mkdtempSync(path.join(tmpdir(), "cs-inspect-pages-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const env = (dataDir: string) => ({ DATA_DIR: dataDir, HTTP_DELAY_MS: "0", HTTP_JITTER_MS: "0", HTTP_RETRIES: "0", ALLOW_PRIVATE_NETWORKS: "true" });

const GUJI = squarespacePage({
  path: "/shop/p/ethiopia-guji",
  name: "Ethiopia Guji Natural",
  offers: [
    { name: "250g", sku: "ETH-250", price: "18.00", currency: "USD" },
    { name: "1kg", sku: "ETH-1000", price: 62.5, currency: "USD" },
  ],
});

describe("inspect a JSON-LD store", () => {
  let site: JsonLdSite;
  beforeAll(async () => {
    site = await startJsonLdSite({
      products: [
        { path: "/shop/p/ethiopia-guji", html: GUJI },
        {
          path: "/product-page/kenya-aa",
          html: wixPage({ path: "/product-page/kenya-aa", name: "Kenya AA", variants: [{ name: "Kenya AA - Whole Bean", sku: "KE-WB", size: "340 g", price: 21, currency: "USD" }] }),
        },
      ],
    });
  });
  afterAll(async () => site?.close());

  it("by URL: detected from its sitemaps, each product page's offers parsed, nothing written", async () => {
    const dataDir = path.join(scratch, "never");
    const r = await runCli(["inspect", site.url, "--json"], env(dataDir));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as InspectReport;
    expect(report.source).toMatchObject({ kind: "url", platform: "jsonld" });
    const guji = report.products.find((p) => p.name === "Ethiopia Guji Natural")!;
    expect(guji.variants.map((v) => [v.platformVariantId, v.weightG, v.price, v.currency])).toEqual([
      ["ETH-250", 250, 18, "USD"],
      ["ETH-1000", 1000, 62.5, "USD"],
    ]);
    expect(report.products.find((p) => p.name === "Kenya AA")!.variants[0]).toMatchObject({ weightG: 340, grind: "whole", price: 21 });
    expect(existsSync(dataDir)).toBe(false);
  });

  it("a saved product page (HTML) is read as one", async () => {
    const file = path.join(scratch, "guji.html");
    writeFileSync(file, GUJI);
    const r = await runCli(["inspect", file, "--json"], env(path.join(scratch, "never2")));
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as InspectReport;
    expect(report.source).toMatchObject({ kind: "file", platform: "jsonld" });
    expect(report.products.map((p) => p.name)).toEqual(["Ethiopia Guji Natural"]);
  });
});

describe("inspect a Firecrawl roaster", () => {
  const database = useTestDatabase("pglite");
  it("is refused with the reason (it would spend the roaster's budget), before any request", async () => {
    const roaster = await addRoaster(database().db, "https://spa.example", { slug: "spa", platform: "custom", use_firecrawl_fallback: true, firecrawl_budget_limit: 50 });
    await database().db.query(`UPDATE coffee_scraper.roaster_options SET read_via = 'firecrawl' WHERE roaster_id = $1`, [roaster.id]);
    await expect(readRoasterStore(database().db, "spa", { settings: testSettings(), log: captureLogger().log, currency: null })).rejects.toThrow(
      /read through Firecrawl, a paid service: inspect one of its stored runs instead/,
    );
  });
});
