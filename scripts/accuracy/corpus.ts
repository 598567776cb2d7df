// Reads the labelled corpus (test/fixtures/corpus) and builds each store's answers in the
// platform's own shape (a Shopify /products.json page, a WooCommerce Store API listing and
// its variations), so that scoring runs the real platform parsers and normalizers.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import type { StoredResponse } from "../../src/platforms/adapter.ts";
import type { StorePlatform } from "../../src/core/platform.ts";

export const CORPUS_DIR = fileURLToPath(new URL("../../test/fixtures/corpus/", import.meta.url));
const FIXTURES_DIR = path.dirname(CORPUS_DIR);

export type Part = "tuning" | "held-out";
export const PARTS: Part[] = ["tuning", "held-out"];

/** What a person reading the product says about it. */
export interface Expectation {
  coffee: boolean;
  kind?: string;
  /** Grams of one unit by option value, variant title, or "*" for every variant. */
  weight?: Record<string, number | null>;
  /** grind_enum value by option value. */
  grind?: Record<string, string>;
}

export interface CorpusStore {
  part: Part;
  store: string;
  platform: StorePlatform;
  currency: string;
  /** The store's answers: the listing first, then (Woo) the variations answer. */
  responses: StoredResponse[];
  /** Labels by platform product id. */
  labels: Map<string, Expectation>;
  /** Expected price of each variant whose store price is usable, by platform variant id. */
  prices: Map<string, number>;
}

type Json = Record<string, unknown>;

interface AuthoredProduct {
  title: string;
  type?: string;
  vendor?: string;
  tags?: string[];
  categories?: string[];
  body?: string;
  options?: Record<string, (string | number)[]>;
  prices: number | number[];
  grams?: number | number[];
  shipping?: boolean;
  expect: Expectation;
}

interface AuthoredStore {
  store: string;
  platform: StorePlatform;
  currency: string;
  products: AuthoredProduct[];
}

interface LabelledFixture {
  store: string;
  platform: StorePlatform;
  currency: string;
  source: string;
  labels: Record<string, Expectation>;
}

export function loadCorpus(): CorpusStore[] {
  const stores: CorpusStore[] = [];
  for (const part of PARTS) {
    const dir = path.join(CORPUS_DIR, part);
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith(".yaml"))
      .sort()) {
      const doc = parseYaml(readFileSync(path.join(dir, file), "utf8")) as AuthoredStore | LabelledFixture;
      const built = "source" in doc ? fromFixture(doc) : fromAuthored(doc, stores.length);
      stores.push({ part, store: doc.store, platform: doc.platform, currency: doc.currency, ...built });
    }
  }
  return stores;
}

type Built = Pick<CorpusStore, "responses" | "labels" | "prices">;

const response = (url: string, data: unknown): StoredResponse => ({
  url,
  status: 200,
  contentType: "application/json; charset=utf-8",
  body: Buffer.from(JSON.stringify(data)),
});

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");

/** Every combination of the option values, first option slowest (as Shopify lists variants). */
function combinations(options: [string, string[]][]): string[][] {
  return options.reduce<string[][]>(
    (acc, [, values]) => acc.flatMap((c) => values.map((v) => [...c, v])),
    [[]],
  );
}

function perFirstValue(value: number | number[] | undefined, index: number, fallback: number): number {
  if (value === undefined) return fallback;
  return Array.isArray(value) ? (value[index] ?? fallback) : value;
}

function fromAuthored(doc: AuthoredStore, storeIndex: number): Built {
  const labels = new Map<string, Expectation>();
  const prices = new Map<string, number>();
  const origin = `https://${doc.store}.example`;
  const shopify: Json[] = [];
  const woo: Json[] = [];
  const variations: Json[] = [];

  doc.products.forEach((p, i) => {
    const options = Object.entries(p.options ?? {}).map(
      ([name, values]) => [name, values.map(String)] as [string, string[]],
    );
    const firstValues = options[0]?.[1] ?? [];
    const priceOf = (combo: string[]) =>
      perFirstValue(p.prices, Math.max(0, firstValues.indexOf(combo[0] ?? "")), NaN);
    if (doc.platform === "shopify") {
      const id = (storeIndex + 1) * 1_000_000 + i * 100;
      const named = options.length > 0 ? options : ([["Title", ["Default Title"]]] as [string, string[]][]);
      const variants = combinations(named).map((combo, j) => {
        const variantId = id * 1000 + j;
        const price = priceOf(combo);
        prices.set(String(variantId), price);
        const first = Math.max(0, named[0]![1].indexOf(combo[0]!));
        return {
          id: variantId,
          product_id: id,
          title: combo.join(" / "),
          option1: combo[0] ?? null,
          option2: combo[1] ?? null,
          option3: combo[2] ?? null,
          sku: `${slug(p.title).slice(0, 20)}-${j}`,
          requires_shipping: p.shipping ?? true,
          taxable: true,
          available: true,
          price: price.toFixed(2),
          grams: perFirstValue(p.grams, first, 0),
          compare_at_price: null,
          position: j + 1,
        };
      });
      labels.set(String(id), p.expect);
      shopify.push({
        id,
        title: p.title,
        handle: slug(p.title),
        body_html: p.body ?? "",
        published_at: "2025-06-01T10:00:00+05:30",
        vendor: p.vendor ?? doc.store,
        product_type: p.type ?? "",
        tags: p.tags ?? [],
        variants,
        images: [],
        options: named.map(([name, values], k) => ({ name, position: k + 1, values })),
      });
      return;
    }
    const id = (storeIndex + 1) * 100_000 + i * 100;
    labels.set(String(id), p.expect);
    const minor = 2;
    const listedPrice = perFirstValue(p.prices, 0, NaN);
    const base = {
      id,
      name: p.title,
      slug: slug(p.title),
      permalink: `${origin}/product/${slug(p.title)}/`,
      sku: "",
      description: p.body ?? "",
      short_description: "",
      on_sale: false,
      prices: wooPrices(listedPrice, doc.currency, minor),
      images: [],
      categories: (p.categories ?? []).map((name, k) => ({ id: k + 1, name, slug: slug(name) })),
      tags: (p.tags ?? []).map((name, k) => ({ id: k + 1, name, slug: slug(name) })),
      is_in_stock: true,
      low_stock_remaining: null,
    };
    if (options.length === 0) {
      prices.set(String(id), listedPrice);
      woo.push({ ...base, type: "simple", attributes: [], variations: [] });
      return;
    }
    const listed = combinations(options).map((combo, j) => {
      const variationId = id + 1 + j;
      const price = priceOf(combo);
      prices.set(String(variationId), price);
      variations.push({
        id: variationId,
        parent: id,
        type: "variation",
        name: p.title,
        variation: combo.map((v, k) => `${options[k]![0]}: ${v}`).join(", "),
        sku: "",
        prices: wooPrices(price, doc.currency, minor),
        is_in_stock: true,
        low_stock_remaining: null,
      });
      return { id: variationId, attributes: combo.map((v, k) => ({ name: options[k]![0], value: slug(v) })) };
    });
    woo.push({
      ...base,
      type: "variable",
      attributes: options.map(([name, values], k) => ({
        id: k + 1,
        name,
        taxonomy: null,
        has_variations: true,
        terms: values.map((v, t) => ({ id: t + 1, name: v, slug: slug(v) })),
      })),
      variations: listed,
    });
  });

  const responses =
    doc.platform === "shopify"
      ? [response(`${origin}/products.json?limit=250&page=1`, { products: shopify })]
      : [
          response(`${origin}/wp-json/wc/store/v1/products?per_page=100&page=1`, woo),
          ...variationPages(`${origin}/wp-json/wc/store/v1/products`, variations),
        ];
  return { responses, labels, prices };
}

/** Variations answered in pages of at most 100, as the Store API sends them. */
function variationPages(endpoint: string, variations: Json[]) {
  return Array.from({ length: Math.ceil(variations.length / 100) }, (_, i) =>
    response(`${endpoint}?type=variation&per_page=100&page=${i + 1}`, variations.slice(i * 100, i * 100 + 100)),
  );
}

function wooPrices(major: number, currency: string, minor: number): Json {
  const amount = Number.isFinite(major) ? String(Math.round(major * 10 ** minor)) : "0";
  return {
    currency_code: currency,
    currency_minor_unit: minor,
    price: amount,
    regular_price: amount,
    sale_price: amount,
  };
}

/** A real page from test/fixtures, with labels by product id. */
function fromFixture(doc: LabelledFixture): Built {
  const data = JSON.parse(readFileSync(path.join(FIXTURES_DIR, doc.source), "utf8")) as unknown;
  const labels = new Map(Object.entries(doc.labels));
  const prices = new Map<string, number>();
  if (doc.platform === "shopify") {
    const products = (data as { products: Json[] }).products;
    for (const p of products) {
      for (const v of p.variants as Json[]) {
        const price = Number(v.price);
        if (price > 0) prices.set(String(v.id), price);
      }
    }
    return {
      responses: [response("https://fixture.example/products.json?limit=250&page=1", data)],
      labels,
      prices,
    };
  }
  // The listing carries no variation answers: each variation is priced as its parent is listed.
  const products = data as Json[];
  const variations: Json[] = [];
  for (const p of products) {
    const listed = p.prices as Json;
    const major = Number(listed.price) / 10 ** Number(listed.currency_minor_unit);
    const listedVariations = (p.variations as Json[] | undefined) ?? [];
    if (listedVariations.length === 0 && major > 0) prices.set(String(p.id), major);
    for (const v of listedVariations) {
      if (major > 0) prices.set(String(v.id), major);
      variations.push({ id: v.id, parent: p.id, prices: listed, is_in_stock: true });
    }
  }
  return {
    responses: [
      response("https://fixture.example/wp-json/wc/store/products?per_page=100&page=1", products),
      ...variationPages("https://fixture.example/wp-json/wc/store/products", variations),
    ],
    labels,
    prices,
  };
}

export interface ParserCases {
  weight: [string, number | null][];
  grind: [string, string | null][];
  roast: [string, string | null][];
  process: [string, string | null][];
  species: [string, string | null][];
  varieties: [string, string[]][];
  region: [string, string | null][];
}

export function loadParserCases(part: Part): ParserCases {
  return parseYaml(
    readFileSync(path.join(CORPUS_DIR, "parser-cases", `${part}.yaml`), "utf8"),
  ) as ParserCases;
}
