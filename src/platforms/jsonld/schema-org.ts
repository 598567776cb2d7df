import type { RawImage, RawOption, RawProduct, RawVariant } from "../raw-product.ts";

// schema.org Product data (JSON-LD or microdata, already parsed) → RawProduct. Values stay as
// the store wrote them: a price string is passed on as is, a number is written out; sizes are
// passed as variant titles and options for the normalizers to read. What is not stated is
// null, never guessed.

type Node = Record<string, unknown>;

/** Bounds on what one page may hold. */
const MAX_NODES = 5_000;
const MAX_DEPTH = 12;
const MAX_PRODUCTS_PER_PAGE = 100;
const MAX_VARIANTS = 500;
const MAX_IMAGES = 50;

export interface ProductsOfPage {
  products: RawProduct[];
  /** Products whose data could not be used, with why. */
  problems: { productId: string | null; message: string }[];
  /** Things read with less than full certainty (a price range with no offers). */
  warnings: string[];
}

const typesOf = (node: Node): string[] =>
  (Array.isArray(node["@type"]) ? node["@type"] : [node["@type"]])
    .filter((t): t is string => typeof t === "string")
    .map((t) => t.replace(/^https?:\/\/schema\.org\//i, ""));

const isA = (node: Node, ...types: string[]) => typesOf(node).some((t) => types.includes(t));
const isNode = (value: unknown): value is Node => typeof value === "object" && value !== null && !Array.isArray(value);
const list = (value: unknown): unknown[] => (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]);

/**
 * Every Product / ProductGroup node in the blocks: top level, in arrays, in `@graph`, or as a
 * page's `mainEntity` — not the variants inside a ProductGroup (they are its variants).
 */
export function productNodes(blocks: readonly unknown[]): Node[] {
  const found: Node[] = [];
  let visited = 0;
  const visit = (value: unknown, depth: number) => {
    if (visited++ > MAX_NODES || depth > MAX_DEPTH || found.length >= MAX_PRODUCTS_PER_PAGE) return;
    if (Array.isArray(value)) {
      for (const v of value) visit(v, depth + 1);
      return;
    }
    if (!isNode(value)) return;
    if (isA(value, "Product", "ProductGroup", "IndividualProduct", "ProductModel")) {
      found.push(value);
      return;
    }
    for (const key of ["@graph", "mainEntity", "mainEntityOfPage", "itemListElement", "item"]) {
      if (key in value) visit(value[key], depth + 1);
    }
  };
  visit(blocks, 0);
  // A variant listed at the top level beside its group (some themes do) is read in the group.
  const inGroups = new Set<unknown>(found.flatMap((n) => list(n.hasVariant)));
  const variantIds = new Set(
    found.flatMap((n) => list(n.hasVariant)).filter(isNode).map((v) => v["@id"]).filter((id) => typeof id === "string"),
  );
  return found.filter((n) => !inGroups.has(n) && !(typeof n["@id"] === "string" && variantIds.has(n["@id"]) && !isA(n, "ProductGroup")));
}

/** A JSON-LD id resolved against the page's nodes: `{"@id": "#offer"}` → the node with that id. */
function resolver(blocks: readonly unknown[]): (value: unknown) => unknown {
  const byId = new Map<string, Node>();
  let visited = 0;
  const index = (value: unknown, depth: number) => {
    if (visited++ > MAX_NODES || depth > MAX_DEPTH) return;
    if (Array.isArray(value)) return value.forEach((v) => index(v, depth + 1));
    if (!isNode(value)) return;
    const id = value["@id"];
    if (typeof id === "string" && Object.keys(value).length > 1 && !byId.has(id)) byId.set(id, value);
    for (const v of Object.values(value)) if (typeof v === "object") index(v, depth + 1);
  };
  index(blocks, 0);
  return (value) => {
    if (isNode(value) && typeof value["@id"] === "string" && Object.keys(value).length === 1) {
      return byId.get(value["@id"]) ?? value;
    }
    return value;
  };
}

function text(value: unknown): string | null {
  if (typeof value === "string") return value.trim() || null;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (isNode(value)) return text(value["@value"] ?? value.name);
  if (Array.isArray(value)) return text(value[0]);
  return null;
}

/** A price as the store wrote it: strings as they are, numbers written out in full. */
function priceText(value: unknown): string | null {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return null;
    // Written out without an exponent; a number the normalizer refuses stays refused.
    return Math.abs(value) < 1e12 ? String(Math.round(value * 1e6) / 1e6) : String(value);
  }
  return text(value);
}

function currencyOf(value: unknown): string | null {
  const code = text(value)?.toUpperCase() ?? null;
  return code && /^[A-Z]{3}$/.test(code) ? code : null;
}

const IN_STOCK = new Set(["InStock", "LimitedAvailability", "OnlineOnly", "InStoreOnly"]);
const OUT_OF_STOCK = new Set(["OutOfStock", "SoldOut", "Discontinued"]);

/** schema.org ItemAvailability → in stock or not; PreOrder, BackOrder and the unknown: null. */
function availabilityOf(value: unknown): boolean | null {
  const name = text(value)?.replace(/^https?:\/\/schema\.org\//i, "") ?? null;
  if (name === null) return null;
  if (IN_STOCK.has(name)) return true;
  if (OUT_OF_STOCK.has(name)) return false;
  return null;
}

const UNIT_CODES: Record<string, string> = { GRM: "g", KGM: "kg", ONZ: "oz", LBR: "lb", MGM: "mg" };

/** A QuantitativeValue or text as "250 g"; a bare number without a unit says nothing sure. */
function quantityText(value: unknown): string | null {
  if (isNode(value)) {
    const amount = text(value.value);
    const unitCode = text(value.unitCode);
    const unit = text(value.unitText) ?? (unitCode ? (UNIT_CODES[unitCode.toUpperCase()] ?? null) : null);
    return amount && unit ? `${amount} ${unit}` : null;
  }
  const plain = text(value);
  return plain && /[a-z]/i.test(plain) ? plain : null;
}

/** The options a buyer chooses or reads on a variant: size, weight, stated properties, SKU last. */
function optionsOf(node: Node, resolve: (v: unknown) => unknown): RawOption[] {
  const options: RawOption[] = [];
  const add = (name: string, value: string | null) => {
    if (value && options.length < 20) options.push({ name, value: value.slice(0, 200) });
  };
  add("Size", quantityText(node.size) ?? text(node.size));
  add("Weight", quantityText(node.weight));
  for (const prop of list(node.additionalProperty).map(resolve).filter(isNode)) {
    const name = text(prop.name);
    if (name) add(name, quantityText(prop) ?? text(prop.value));
  }
  for (const key of ["color", "material", "pattern"]) add(key[0]!.toUpperCase() + key.slice(1), text(node[key]));
  add("SKU", text(node.sku));
  return options;
}

function imagesOf(value: unknown, base: string): RawImage[] {
  const images: RawImage[] = [];
  for (const entry of list(value)) {
    const href = typeof entry === "string" ? entry : isNode(entry) ? text(entry.contentUrl ?? entry.url) : null;
    if (!href || images.length >= MAX_IMAGES) continue;
    let url: string;
    try {
      url = new URL(href, base).href;
    } catch {
      continue;
    }
    const node = isNode(entry) ? entry : {};
    const size = (v: unknown) => (Number.isInteger(Number(v)) && Number(v) > 0 ? Number(v) : null);
    images.push({ url, alt: text(node.caption ?? node.name), width: size(node.width), height: size(node.height), position: images.length + 1 });
  }
  return images;
}

interface OfferRead {
  variants: RawVariant[];
  warnings: string[];
}

/** A Product's offers: each Offer one variant; an AggregateOffer's own offers, or its one price. */
function offersOf(
  node: Node,
  productId: string,
  title: string | null,
  options: RawOption[],
  resolve: (v: unknown) => unknown,
): OfferRead {
  const warnings: string[] = [];
  const offers: Node[] = [];
  for (const offer of list(node.offers).map(resolve).filter(isNode)) {
    if (isA(offer, "AggregateOffer")) {
      const inner = list(offer.offers).map(resolve).filter(isNode);
      if (inner.length > 0) {
        offers.push(...inner.map((o) => ({ priceCurrency: offer.priceCurrency, ...o })));
        continue;
      }
      const low = priceText(offer.lowPrice ?? offer.price);
      const high = priceText(offer.highPrice);
      // A range without its offers does not say which variant costs what: no price is recorded.
      const single = high === null || high === low;
      if (!single) warnings.push(`product ${productId}: AggregateOffer gives only a range (${low}–${high}); price not recorded`);
      offers.push({ ...offer, price: single ? (low ?? undefined) : undefined });
    } else offers.push(offer);
  }
  const variants = offers.slice(0, MAX_VARIANTS).map((offer, i): RawVariant => {
    const spec = list(offer.priceSpecification).map(resolve).find(isNode);
    const offerTitle = text(offer.name);
    return {
      platformVariantId: text(offer.sku) ?? text(offer["@id"]) ?? (offers.length === 1 ? productId : `${productId}#${i + 1}`),
      title: offerTitle ?? title,
      options: [...optionsOf(offer, resolve), ...options.filter((o) => !(o.name === "SKU" && offer.sku))],
      sku: text(offer.sku) ?? text(node.sku),
      price: { amount: priceText(offer.price ?? spec?.price) },
      compareAtPrice: { amount: null },
      available: availabilityOf(offer.availability),
      stockQty: null,
      shippingGrams: null,
      raw: { ...offer, priceCurrency: currencyOf(offer.priceCurrency ?? spec?.priceCurrency) },
    };
  });
  return { variants, warnings };
}

/** The path a product is known by: its page's, so apex/www moves and query strings do not matter. */
export function productIdFor(url: string): string {
  const u = new URL(url);
  return decodeURIComponent(u.pathname).replace(/\/+$/, "") || "/";
}

/** productIdFor, or null for a URL that does not parse (error entries only). */
export function productIdOrNull(url: string): string | null {
  try {
    return productIdFor(url);
  } catch {
    return null;
  }
}

export function productsOf(blocks: readonly unknown[], pageUrl: string): ProductsOfPage {
  const resolve = resolver(blocks);
  const out: ProductsOfPage = { products: [], problems: [], warnings: [] };
  const nodes = productNodes(blocks);
  const pageId = productIdFor(pageUrl);
  nodes.forEach((node, index) => {
    const ownUrl = text(node.url);
    let url = pageUrl;
    if (ownUrl) {
      try {
        url = new URL(ownUrl, pageUrl).href;
      } catch {
        // an unusable url: the page's own stands
      }
    }
    // A product that names another page as its own (a "related products" block) is read there.
    if (nodes.length > 1 && productIdFor(url) !== pageId) return;
    const productId = nodes.length > 1 && index > 0 ? `${pageId}#${text(node.sku) ?? text(node.productID) ?? index + 1}` : pageId;
    const name = text(node.name);
    if (!name) {
      out.problems.push({ productId, message: `Product data on ${pageUrl} has no name` });
      return;
    }
    const variants: RawVariant[] = [];
    if (isA(node, "ProductGroup") && list(node.hasVariant).length > 0) {
      for (const variant of list(node.hasVariant).map(resolve).filter(isNode).slice(0, MAX_VARIANTS)) {
        const read = offersOf(variant, text(variant.sku) ?? text(variant["@id"]) ?? `${productId}#${variants.length + 1}`, text(variant.name), optionsOf(variant, resolve), resolve);
        out.warnings.push(...read.warnings);
        // One offer per variant is the rule; an id shared by a variant's several offers is made unique.
        read.variants.forEach((v, i) => variants.push(read.variants.length > 1 ? { ...v, platformVariantId: `${v.platformVariantId}#${i + 1}` } : v));
      }
    } else {
      const read = offersOf(node, productId, null, optionsOf(node, resolve), resolve);
      out.warnings.push(...read.warnings);
      variants.push(...read.variants);
    }
    const currencies = variants.map((v) => (v.raw as { priceCurrency: string | null }).priceCurrency).filter((c): c is string => c !== null);
    const brand = resolve(node.brand);
    out.products.push({
      platform: "jsonld",
      platformProductId: productId,
      title: name,
      handle: productId.split("/").filter(Boolean).pop() ?? null,
      url,
      descriptionHtml: text(node.description),
      productType: text(node.category),
      vendor: isNode(brand) ? text(brand.name) : text(brand),
      tags: (text(node.keywords) ?? "").split(",").map((t) => t.trim()).filter(Boolean).slice(0, 50),
      categories: list(node.category).map(text).filter((c): c is string => c !== null),
      options: productOptions(variants),
      variants,
      images: imagesOf(node.image, url),
      // Only a currency every offer agrees on is the product's; mixed or missing stays unknown.
      currency: currencies.length === variants.length && new Set(currencies).size === 1 ? currencies[0]! : null,
      publishedAt: null,
      raw: node,
    });
  });
  return out;
}

/** The product's options with every value its variants show (SKUs left out). */
export function productOptions(variants: RawVariant[]): { name: string; values: string[] }[] {
  const byName = new Map<string, Set<string>>();
  for (const v of variants) {
    for (const o of v.options) {
      if (o.name === "SKU") continue;
      byName.set(o.name, (byName.get(o.name) ?? new Set()).add(o.value));
    }
  }
  // The variants' own labels ("250g", "Whole Bean / 1kg") are what a shop's option values are
  // elsewhere: the classifier reads a size or a grind there.
  const labels = new Set(variants.map((v) => v.title).filter((t): t is string => t !== null));
  const options = [...byName].map(([name, values]) => ({ name, values: [...values] }));
  return labels.size > 0 && !byName.has("Variant") ? [...options, { name: "Variant", values: [...labels] }] : options;
}
