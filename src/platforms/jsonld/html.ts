import type { Element } from "domhandler";
import { DomUtils, parseDocument } from "htmlparser2";

// The structured data a product page carries: its `<script type="application/ld+json">`
// blocks, parsed, and its schema.org microdata (itemscope/itemprop) as plain objects of the
// same shape, for pages that have no JSON-LD. Generic HTML work is htmlparser2's; what is
// ours is only which elements count and the bounds.

/** Blocks beyond these are ignored: a page is not a data dump. */
const MAX_JSONLD_BLOCKS = 50;
const MAX_JSONLD_BLOCK_CHARS = 2_000_000;
const MAX_MICRODATA_ITEMS = 200;
const MAX_MICRODATA_DEPTH = 8;
const MAX_MICRODATA_TEXT = 10_000;

export interface StructuredData {
  /** Each JSON-LD block that parsed, as JSON. */
  jsonld: unknown[];
  /** Why a block could not be read ("block 2: Unexpected token … at position 15"). */
  problems: string[];
  /** Top-level microdata items as objects: {"@type": "Product", name: …, offers: {…}}. */
  microdata: Record<string, unknown>[];
  /** <link rel="canonical"> when the page names one. */
  canonical: string | null;
}

export function extractStructuredData(html: string): StructuredData {
  const document = parseDocument(html, { decodeEntities: true });
  const out: StructuredData = { jsonld: [], problems: [], microdata: [], canonical: null };

  const scripts = DomUtils.getElements(
    { tag_name: "script", type: (t) => typeof t === "string" && /^\s*application\/ld\+json\s*(;.*)?$/i.test(t) },
    document,
    true,
  );
  scripts.slice(0, MAX_JSONLD_BLOCKS).forEach((script, i) => {
    const text = DomUtils.textContent(script).trim();
    if (text === "") return;
    if (text.length > MAX_JSONLD_BLOCK_CHARS) {
      out.problems.push(`JSON-LD block ${i + 1} is ${text.length} characters, more than ${MAX_JSONLD_BLOCK_CHARS}; not read`);
      return;
    }
    try {
      // Themes often wrap the block in an HTML comment or CDATA to keep old browsers quiet.
      out.jsonld.push(JSON.parse(text.replace(/^<!--|-->$|^\/\/<!\[CDATA\[|\/\/\]\]>$/g, "").trim()));
    } catch (err) {
      out.problems.push(`JSON-LD block ${i + 1} is not valid JSON: ${(err as Error).message.slice(0, 120)}`);
    }
  });

  const canonical = DomUtils.findOne(
    (el) => el.name === "link" && /(^|\s)canonical(\s|$)/i.test(el.attribs.rel ?? "") && Boolean(el.attribs.href),
    document.children,
    true,
  );
  out.canonical = canonical?.attribs.href?.trim() || null;

  const topItems = DomUtils.findAll(
    (el) => "itemscope" in el.attribs && !("itemprop" in el.attribs),
    document.children,
  ).slice(0, MAX_MICRODATA_ITEMS);
  for (const item of topItems) out.microdata.push(microdataItem(item, 0));
  return out;
}

/** One itemscope element as an object: its itemprops, nested items as nested objects. */
function microdataItem(scope: Element, depth: number): Record<string, unknown> {
  const item: Record<string, unknown> = {};
  const type = scope.attribs.itemtype?.trim().split(/\s+/)[0];
  if (type) item["@type"] = type.replace(/^https?:\/\/schema\.org\//i, "");
  if (depth >= MAX_MICRODATA_DEPTH) return item;
  for (const el of propertiesOf(scope)) {
    const value = "itemscope" in el.attribs ? microdataItem(el, depth + 1) : propertyValue(el);
    for (const name of (el.attribs.itemprop ?? "").trim().split(/\s+/).filter(Boolean)) {
      const existing = item[name];
      item[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
    }
  }
  return item;
}

/** The itemprop elements that belong to `scope` itself (not to an item nested inside it). */
function propertiesOf(scope: Element): Element[] {
  const found: Element[] = [];
  const walk = (children: readonly unknown[]) => {
    for (const child of children) {
      if (!DomUtils.isTag(child as Element)) continue;
      const el = child as Element;
      if ("itemprop" in el.attribs) found.push(el);
      if (!("itemscope" in el.attribs)) walk(el.children);
    }
  };
  walk(scope.children);
  return found;
}

function propertyValue(el: Element): string {
  const a = el.attribs;
  const value =
    a.content ??
    (["a", "link", "area"].includes(el.name) ? a.href : undefined) ??
    (["img", "audio", "video", "source", "embed", "iframe"].includes(el.name) ? a.src : undefined) ??
    (el.name === "meta" ? "" : undefined) ??
    (["data", "meter"].includes(el.name) ? a.value : undefined) ??
    (el.name === "time" ? a.datetime : undefined) ??
    DomUtils.textContent(el);
  return value.replace(/\s+/g, " ").trim().slice(0, MAX_MICRODATA_TEXT);
}
