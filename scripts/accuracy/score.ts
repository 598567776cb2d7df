// Compares what the normalizers make of the corpus with its labels, field by field.
import { isDeepStrictEqual } from "node:util";
import { parseStoredPage } from "../../src/platforms/registry.ts";
import { normalizeProduct } from "../../src/pipeline/normalize/product.ts";
import type { NormalizedProduct, NormalizedVariant } from "../../src/pipeline/normalize/types.ts";
import { parseGrind } from "../../src/pipeline/normalize/grind.ts";
import { parseOrigin } from "../../src/pipeline/normalize/origin.ts";
import { parseProcess } from "../../src/pipeline/normalize/process.ts";
import { parseRoastLevel } from "../../src/pipeline/normalize/roast.ts";
import { parseSpecies } from "../../src/pipeline/normalize/species.ts";
import { parseVarieties } from "../../src/pipeline/normalize/varieties.ts";
import { parseWeight } from "../../src/pipeline/normalize/weight.ts";
import type { CorpusStore, Expectation, ParserCases } from "./corpus.ts";

export interface Tally {
  right: number;
  total: number;
  misses: string[];
}

export interface FieldScores {
  stores: number;
  products: number;
  isCoffee: Tally;
  kind: Tally;
  weightExact: Tally;
  /** Variants whose parsed weight is a number other than the label (null or not). */
  wrongWeights: Tally;
  price: Tally;
  wholeBean: Tally;
  grind: Tally;
  /** Products the label names but the store's answers did not yield (a platform-parser miss). */
  missing: Tally;
}

const tally = (): Tally => ({ right: 0, total: 0, misses: [] });

function count(t: Tally, ok: boolean, miss: () => string): void {
  t.total++;
  if (ok) t.right++;
  else t.misses.push(miss());
}

/** The label's value for a variant: by option value, then variant title, then "*". */
function labelFor<T>(
  map: Record<string, T> | undefined,
  v: NormalizedVariant,
  rawOptions: string[],
  title: string | null,
): T | undefined {
  if (!map) return undefined;
  for (const key of [...rawOptions, ...(title ? [title] : []), "*"]) if (key in map) return map[key];
  return undefined;
}

export function scoreStores(stores: CorpusStore[]): FieldScores {
  const s: FieldScores = {
    stores: stores.length,
    products: 0,
    isCoffee: tally(),
    kind: tally(),
    weightExact: tally(),
    wrongWeights: tally(),
    price: tally(),
    wholeBean: tally(),
    grind: tally(),
    missing: tally(),
  };
  for (const store of stores) {
    const parsed = parseStoredPage(store.platform, store.responses, { currency: store.currency });
    const byId = new Map(parsed.products.map((raw) => [raw.platformProductId, raw]));
    for (const [id, expect] of store.labels) {
      s.products++;
      const raw = byId.get(id);
      count(s.missing, raw !== undefined, () => `${store.store} ${id}: not read from the store's answers`);
      if (!raw) continue;
      const product = normalizeProduct(raw, { currency: store.currency });
      scoreProduct(
        s,
        store,
        product,
        expect,
        raw.variants.map((v) => ({ options: v.options.map((o) => o.value), title: v.title })),
      );
    }
  }
  return s;
}

function scoreProduct(
  s: FieldScores,
  store: CorpusStore,
  p: NormalizedProduct,
  expect: Expectation,
  rawVariants: { options: string[]; title: string | null }[],
): void {
  const where = `${store.store} "${p.name}"`;
  count(
    s.isCoffee,
    p.isCoffee === expect.coffee,
    () => `${where}: is-coffee ${p.isCoffee}, expected ${expect.coffee} (${p.classificationReason})`,
  );
  if (expect.kind)
    count(s.kind, p.kind === expect.kind, () => `${where}: kind ${p.kind}, expected ${expect.kind}`);
  p.variants.forEach((v, i) => {
    const raw = rawVariants[i] ?? { options: [], title: null };
    const label = `${where} [${raw.title ?? v.platformVariantId}]`;
    const price = store.prices.get(v.platformVariantId);
    if (price !== undefined) {
      count(
        s.price,
        v.price === price && v.currency === store.currency,
        () => `${label}: price ${v.price} ${v.currency}, expected ${price} ${store.currency}`,
      );
    }
    if (!expect.coffee) return;
    const weight = labelFor(expect.weight, v, raw.options, raw.title);
    if (weight === undefined) throw new Error(`${label}: a coffee variant without a weight label`);
    count(s.weightExact, v.weightG === weight, () => `${label}: weight ${v.weightG}, expected ${weight}`);
    count(
      s.wrongWeights,
      v.weightG === null || v.weightG === weight,
      () => `${label}: WRONG weight ${v.weightG} g (${v.weightSource}), expected ${weight}`,
    );
    const grind = labelFor(expect.grind, v, raw.options, null);
    if (grind === undefined) return;
    count(s.grind, v.grind === grind, () => `${label}: grind ${v.grind}, expected ${grind}`);
    if (grind === "whole")
      count(s.wholeBean, v.grind === "whole", () => `${label}: grind ${v.grind}, expected whole`);
  });
}

export type ParserScores = Record<keyof ParserCases, Tally>;

const PARSERS: { [K in keyof ParserCases]: (text: string) => ParserCases[K][number][1] } = {
  weight: (t) => parseWeight({ variantTitle: t, options: [], productTitle: null, shippingGrams: null }).grams,
  grind: (t) => parseGrind([t]).grind,
  roast: (t) => parseRoastLevel([t]).level,
  process: (t) => parseProcess([t]).process,
  species: (t) => parseSpecies([t]),
  varieties: (t) => parseVarieties([t]),
  region: (t) => parseOrigin([t]).region,
};

export function scoreParserCases(cases: ParserCases): ParserScores {
  const out = {} as ParserScores;
  for (const field of Object.keys(PARSERS) as (keyof ParserCases)[]) {
    const t = tally();
    for (const [text, expected] of cases[field] ?? []) {
      const got = (PARSERS[field] as (text: string) => unknown)(text);
      count(
        t,
        isDeepStrictEqual(got, expected),
        () => `${field} "${text}": ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`,
      );
    }
    out[field] = t;
  }
  return out;
}

export function combined(scores: ParserScores): Tally {
  const all = tally();
  for (const t of Object.values(scores)) {
    all.right += t.right;
    all.total += t.total;
    all.misses.push(...t.misses);
  }
  return all;
}
