// npm run bench:normalize — what a changed product costs before it is written, on the
// fixtures' real products (Shopify and WooCommerce), in this process:
//   - HTML → Markdown per description: mdream's JavaScript engine (used) against
//     node-html-markdown and turndown (the converters it replaced), the same descriptions in
//     the same run;
//   - normalizeProduct per product (classification, attributes, variants, the description);
//   - the listing hashes per product (what an unchanged product costs instead);
//   - reading a listing page (UTF-8 bytes → JSON values) as decodeJson does, its items apart
//     (src/platforms/json-parts.ts), against JSON.parse of the page decoded whole, with the
//     page faults of each (the memory a large string takes is fresh from the kernel);
//   - ingestDocument per product (the document written: a coffee's, cleaned for the
//     database) and its JSON as chunkDocuments writes it, every product taken as a coffee.
// CPU time; medians of BENCH_ROUNDS (default 7) rounds after a warm-up, measures interleaved.
import { readFileSync } from "node:fs";
import { NodeHtmlMarkdown } from "node-html-markdown";
import TurndownService from "turndown";
import { listingHashes } from "../src/pipeline/listing-hash.ts";
import { htmlToMarkdown, normalizeProduct } from "../src/pipeline/normalize/index.ts";
import { chunkDocuments, ingestDocument } from "../src/pipeline/persist.ts";
import { parseStoredPage } from "../src/platforms/registry.ts";
import { parseJsonInParts } from "../src/platforms/json-parts.ts";
import type { RawProduct } from "../src/platforms/raw-product.ts";
import { machine } from "./lib/postgres.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const fixture = (name: string) => readFileSync(new URL(`../test/fixtures/${name}`, import.meta.url));

const products: RawProduct[] = [
  ...parseStoredPage(
    "shopify",
    [{ url: "https://store.example/products.json?page=1", status: 200, contentType: "application/json", body: fixture("shopify-products-page-blue-tokai.json") }],
    { currency: "INR" },
  ).products,
  ...parseStoredPage(
    "woocommerce",
    [{ url: "https://store.example/wp-json/wc/store/v1/products?page=1", status: 200, contentType: "application/json", body: fixture("woocommerce-store-api-products-page-babas-beans.json") }],
    { currency: "INR" },
  ).products,
];
/** The two listing pages, with their items (products) counted. */
const pages = [fixture("shopify-products-page-blue-tokai.json"), fixture("woocommerce-store-api-products-page-babas-beans.json")].map((body) => {
  const json = JSON.parse(body.toString("utf8")) as { products?: unknown[] } | unknown[];
  return { body, items: (Array.isArray(json) ? json : (json.products ?? [])).length };
});
const descriptions = products.map((p) => p.descriptionHtml).filter((d): d is string => Boolean(d && d.trim()));

const normalized = products.map((p) => ({ raw: p, product: { ...normalizeProduct(p, { currency: "INR" }), isCoffee: true }, hashes: listingHashes(p, "INR") }));
const documents = normalized.map(({ raw, product, hashes }) => ingestDocument(product, raw, hashes));

const turndown = new TurndownService({ headingStyle: "atx", bulletListMarker: "-", codeBlockStyle: "fenced" });
turndown.remove(["script", "style", "noscript", "iframe", "meta", "link", "template", "object", "embed"]);
const nodeHtmlMarkdown = new NodeHtmlMarkdown({
  bulletMarker: "-",
  codeBlockStyle: "fenced",
  ignore: ["script", "style", "noscript", "iframe", "meta", "link", "template", "object", "embed"],
});

/**
 * CPU µs per item of `fn` over `items`, repeated until at least ~200 ms of CPU have passed.
 * CPU time (this process's, GC threads included) rather than wall time: what a changed
 * product costs the worker, and steadier on a machine where other work runs.
 */
function perItem<T>(items: T[], fn: (item: T) => unknown): number {
  let n = 0;
  const cpu = () => {
    const { user, system } = process.cpuUsage();
    return user + system;
  };
  const t0 = cpu();
  do {
    for (const item of items) fn(item);
    n += items.length;
  } while (cpu() - t0 < 200_000);
  return (cpu() - t0) / n;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const measures = {
  turndown: () => perItem(descriptions, (d) => turndown.turndown(d)),
  "node-html-markdown": () => perItem(descriptions, (d) => nodeHtmlMarkdown.translate(d)),
  mdream: () => perItem(descriptions, (d) => htmlToMarkdown(d)),
  normalizeProduct: () => perItem(products, (p) => normalizeProduct(p, { currency: "INR" })),
  listingHashes: () => perItem(products, (p) => listingHashes(p, "INR")),
  ingestDocument: () => perItem(normalized, ({ raw, product, hashes }) => ingestDocument(product, raw, hashes)),
  documentJson: () => perItem(documents, (d) => [...chunkDocuments([d])]),
  readShopifyInParts: () => perItem([pages[0]!.body], (b) => parseJsonInParts(b)) / pages[0]!.items,
  readShopifyWhole: () => perItem([pages[0]!.body], (b) => JSON.parse(b.toString("utf8"))) / pages[0]!.items,
  readWooInParts: () => perItem([pages[1]!.body], (b) => parseJsonInParts(b)) / pages[1]!.items,
  readWooWhole: () => perItem([pages[1]!.body], (b) => JSON.parse(b.toString("utf8"))) / pages[1]!.items,
};

/** Minor page faults per item of reading a page 50 times (Linux; null elsewhere). */
function faultsPerItem(page: { body: Buffer; items: number }, read: (body: Buffer) => unknown): number | null {
  const faults = () => Number(readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ")[7]);
  try {
    const before = faults();
    for (let i = 0; i < 50; i++) read(page.body);
    return (faults() - before) / (50 * page.items);
  } catch {
    return null;
  }
}
const samples: Record<string, number[]> = Object.fromEntries(Object.keys(measures).map((k) => [k, []]));
for (let round = 0; round <= ROUNDS; round++) {
  for (const [name, measure] of Object.entries(measures)) {
    const us = measure();
    if (round > 0) samples[name]!.push(us);
  }
}
const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])) as Record<keyof typeof measures, number>;
console.log(`bench:normalize — ${products.length} fixture products, ${descriptions.length} descriptions (${machine()}, ${new Date().toISOString()})`);
console.log(
  `HTML → Markdown per description: mdream ${m.mdream.toFixed(0)} µs   baseline node-html-markdown ${m["node-html-markdown"].toFixed(0)} µs   ratio ${(m.mdream / m["node-html-markdown"]).toFixed(2)}   ` +
    `(turndown ${m.turndown.toFixed(0)} µs, ratio ${(m.mdream / m.turndown).toFixed(2)})`,
);
console.log(`normalizeProduct per product: ${m.normalizeProduct.toFixed(0)} µs`);
console.log(`ingestDocument per product: ${m.ingestDocument.toFixed(0)} µs   its JSON (chunkDocuments): ${m.documentJson.toFixed(0)} µs`);
console.log(
  `normalizeProduct + ingestDocument + JSON + listing hashes per product: ${(m.normalizeProduct + m.ingestDocument + m.documentJson + m.listingHashes).toFixed(0)} µs`,
);
for (const [label, page, parts, whole] of [
  ["Shopify", pages[0]!, m.readShopifyInParts, m.readShopifyWhole],
  ["WooCommerce", pages[1]!, m.readWooInParts, m.readWooWhole],
] as const) {
  const faults = [faultsPerItem(page, (b) => parseJsonInParts(b)), faultsPerItem(page, (b) => JSON.parse(b.toString("utf8")))];
  console.log(
    `reading a ${label} listing page (${(page.body.length / 1024).toFixed(0)} KB, ${page.items} products) per product: in parts ${parts.toFixed(0)} µs   ` +
      `baseline JSON.parse of the page decoded whole ${whole.toFixed(0)} µs   ratio ${(parts / whole).toFixed(2)}` +
      (faults.includes(null) ? "" : `   (page faults per product ${faults[0]!.toFixed(1)} and ${faults[1]!.toFixed(1)})`),
  );
}
console.log(
  `listing hashes per product (an unchanged product's cost instead): ${m.listingHashes.toFixed(0)} µs   ratio to normalizeProduct ${(m.listingHashes / m.normalizeProduct).toFixed(2)}`,
);
