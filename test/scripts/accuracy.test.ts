// The labelled corpus, scored as `npm run accuracy` scores it: both parts must keep meeting
// the targets, so a parser change that breaks a product is caught here.
import { describe, expect, it } from "vitest";
import { loadCorpus, loadParserCases, PARTS } from "../../scripts/accuracy/corpus.ts";
import { combined, scoreParserCases, scoreStores, type Tally } from "../../scripts/accuracy/score.ts";

const rate = (t: Tally) => t.right / t.total;
const corpus = loadCorpus();

describe("the accuracy corpus", () => {
  it("is at least 300 products from at least 10 stores, split by store", () => {
    const stores = new Set(corpus.map((s) => s.store));
    expect(stores.size).toBeGreaterThanOrEqual(10);
    expect(corpus.reduce((n, s) => n + s.labels.size, 0)).toBeGreaterThanOrEqual(300);
    for (const part of PARTS) expect(corpus.some((s) => s.part === part)).toBe(true);
    expect(corpus.length).toBe(stores.size);
  });

  it.each(PARTS)("%s part meets every target", (part) => {
    const s = scoreStores(corpus.filter((c) => c.part === part));
    const parser = combined(scoreParserCases(loadParserCases(part)));
    expect(s.missing.misses).toEqual([]);
    expect(rate(s.isCoffee)).toBeGreaterThanOrEqual(0.97);
    expect(rate(s.weightExact)).toBeGreaterThanOrEqual(0.99);
    expect(s.wrongWeights.misses).toEqual([]);
    expect(s.price.misses).toEqual([]);
    expect(rate(s.wholeBean)).toBeGreaterThanOrEqual(0.95);
    expect(rate(parser)).toBeGreaterThanOrEqual(0.95);
  });
});
