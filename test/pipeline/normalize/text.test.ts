import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { cleanText, decodeEntities, htmlToMarkdown, htmlToText, slugify } from "../../../src/pipeline/normalize/text.ts";

describe("decodeEntities", () => {
  it.each([
    ["SUBSCRIPTION &#8211; 24 DELIVERIES", "SUBSCRIPTION – 24 DELIVERIES"],
    ["Underdog&#8217;s Victory", "Underdog’s Victory"],
    ["Arabica &amp; Robusta", "Arabica & Robusta"],
    ["&#8377;290.00", "₹290.00"],
    ["&ldquo;Hustler&rdquo;", "“Hustler”"],
    ["plain", "plain"],
  ])("%s → %s", (input, expected) => {
    expect(decodeEntities(input)).toBe(expected);
  });
});

describe("htmlToMarkdown", () => {
  it.each([
    [null, null],
    ["", null],
    ["   ", null],
    ["<p></p>", null],
    ["<p><strong>Coffee beans</strong> from Baarbara</p>", "**Coffee beans** from Baarbara"],
    ["<p>a</p><script>alert(1)</script><style>p{}</style>", "a"],
    ["<ul><li>one</li><li>two</li></ul>", "- one\n- two"],
    ["<h2>Tasting notes</h2><p>Cocoa<br>Jaggery</p>", "## Tasting notes\n\nCocoa  \nJaggery"],
    ['<p><a href="https://roaster.example/brew">Brew guide</a></p>', "[Brew guide](https://roaster.example/brew)"],
    ["<p>Oatmeal &amp; cranberry</p><!---->", "Oatmeal & cranberry"],
    // A space that is all an inline element holds (text pasted from a word processor) still parts two words.
    ["<p><strong>Resting period:<span> </span></strong>6<span> </span><span>Days</span></p>", "**Resting period:** 6 Days"],
    ["<p>6<em> </em>Days</p>", "6 Days"],
  ])("%j → %j", (html, md) => {
    expect(htmlToMarkdown(html)).toBe(md);
  });
});

// Hostile markup within the description bound (MAX_DESCRIPTION_HTML): converted in time linear
// in its size, keeping its text. (node-html-markdown took 26 s over 5,000 unclosed <b>, and
// overflowed its stack on deep nesting.)
describe("htmlToMarkdown on hostile markup", () => {
  it.each([
    ["200,000 unclosed <b>", "<b>".repeat(200_000) + "deep"],
    ["100,000 nested <div>", "<div>".repeat(100_000) + "deep" + "</div>".repeat(100_000)],
    ["50,000 nested lists", "<ul><li>".repeat(50_000) + "deep"],
    ["70,000 blank spans", "<span> </span>".repeat(70_000) + "deep"],
  ])("%s", (_name, html) => {
    const started = performance.now();
    const md = htmlToMarkdown(html);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(md).toContain("deep");
  });
});

// Every real description in the fixtures, converted: nothing a reader needs is lost. The
// expectations are read from the HTML itself (its words, list items, headings, emphasis and
// links), never from the converter's output.
describe("htmlToMarkdown on the fixtures' descriptions", () => {
  const shopify = JSON.parse(readFileSync(new URL("../../fixtures/shopify-products-page-blue-tokai.json", import.meta.url), "utf8")) as {
    products: { title: string; body_html: string | null }[];
  };
  const woo = JSON.parse(
    readFileSync(new URL("../../fixtures/woocommerce-store-api-products-page-babas-beans.json", import.meta.url), "utf8"),
  ) as { name: string; description: string }[];
  const descriptions = [
    ...shopify.products.map((p) => [p.title, p.body_html ?? ""] as const),
    ...woo.map((p) => [p.name, p.description] as const),
  ].filter(([, html]) => html.trim() !== "");
  // Letters and digits in reading order: what a reader reads, markup and spacing aside.
  const readHtml = (html: string) =>
    decodeEntities(html.replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, "").replace(/<[^>]*>/g, ""))
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]/gu, "");
  const readMarkdown = (md: string) =>
    md
      .replace(/!\[[^\]]*\]\([^)]*\)/g, "")
      .replace(/\]\([^)]*\)/g, "]")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]/gu, "");
  const words = (text: string) => text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  // As a browser shows it: a block ends a word, an inline tag does not ("T<span>his</span>" is one word).
  const BLOCK = /<\/?(?:p|div|br|li|ul|ol|h[1-6]|tr|td|th|table|hr|blockquote|section|article)\b[^>]*>/gi;
  const wordsOfHtml = (html: string) =>
    words(decodeEntities(html.replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, "").replace(BLOCK, " ").replace(/<[^>]*>/g, "")));
  const wordsOfMarkdown = (md: string) => words(md.replace(/!\[[^\]]*\]\([^)]*\)/g, "").replace(/\]\([^)]*\)/g, "]"));
  const count = (html: string, tag: string) => (html.match(new RegExp(`<${tag}[\\s>]`, "gi")) ?? []).length;

  it.each(descriptions)("%s", (_title, html) => {
    const md = htmlToMarkdown(html) ?? "";
    expect(readMarkdown(md)).toBe(readHtml(html));
    // …and as the same words: none run together, none split (a reader sees "6 Days", not "6Days").
    expect(wordsOfMarkdown(md)).toEqual(wordsOfHtml(html));
    expect((md.match(/^\s*- /gm) ?? []).length).toBe(count(html, "li"));
    expect((md.match(/^#{1,6} /gm) ?? []).length).toBe(["h1", "h2", "h3", "h4", "h5", "h6"].reduce((n, h) => n + count(html, h), 0));
    // Every link with words to show keeps its target (one with none has nothing to click on).
    for (const [, href, inner] of html.matchAll(/<a\s[^>]*href="([^"]+)"[^>]*>([\s\S]*?)<\/a>/gi)) {
      if (inner!.replace(/<[^>]*>/g, "").trim() !== "") expect(decodeURI(md)).toContain(`](${decodeURI(decodeEntities(href!))})`);
    }
    for (const [, bold] of html.matchAll(/<(?:strong|b)>([^<]+)<\/(?:strong|b)>/gi)) {
      if (bold!.trim() !== "") expect(md).toContain(`**${decodeEntities(bold!).trim()}`);
    }
    expect(md).not.toMatch(/<\/?(?:p|div|span|strong|li|ul|br)\b/i);
  });
});

describe("htmlToText", () => {
  it("keeps line structure and decodes entities", () => {
    const html =
      "<p>Region : Coorg, Karnataka<br />\nElevation: 2800 Ft &#8211; 3600 Ft ASL<br />\nVariety : Arabica &amp; Robusta</p>";
    expect(htmlToText(html)).toBe(
      "Region : Coorg, Karnataka\nElevation: 2800 Ft – 3600 Ft ASL\nVariety : Arabica & Robusta",
    );
  });
  it("drops scripts and comments", () => {
    expect(htmlToText("<p>a</p><script>var x = '<p>b</p>';</script><!-- c -->")).toBe("a");
  });
});

describe("slugify", () => {
  it.each([
    ["Kolli Berri Estate", "kolli-berri-estate"],
    ["Mooleh Manay Estate – CM Natural", "mooleh-manay-estate-cm-natural"],
    ["SKIA Coffee (Pack of 2)", "skia-coffee-pack-of-2"],
    ["Café Crème Brûlée", "cafe-creme-brulee"],
    ["  --Hello__World--  ", "hello-world"],
    ["Oats & Honey", "oats-and-honey"],
    ["☕", ""],
  ])("%s → %s", (input, slug) => {
    expect(slugify(input)).toBe(slug);
  });
});

// cleanText returns a text with nothing to collapse as it is: it must still clean every
// text as collapsing each whitespace run and trimming does.
describe("cleanText", () => {
  it("collapses and trims like a whitespace-run replace, whatever the spaces", () => {
    const unit = fc.constantFrom(" ", "  ", "\t", "\n", "\u00a0", "\u2009", "\u3000", "\ufeff", "a", "b", "-");
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 12 }), (s) => {
        expect(cleanText(s)).toBe(s.replace(/[\s\u00a0]+/g, " ").trim());
      }),
      { numRuns: 2000 },
    );
  });
});

// htmlToText skips cutting comments, scripts and styles from a description that has none:
// one that has them (any case, unclosed) must still lose them.
describe("htmlToText with and without what it cuts", () => {
  it.each([
    ["<p>Cocoa</p><SCRIPT>x()</SCRIPT><p>Plum</p>", "Cocoa\nPlum"],
    ["<p>Cocoa</p><!-- hidden --><p>Plum</p>", "Cocoa\nPlum"],
    ["<p>Cocoa</p><style>p{}", "Cocoa"],
    ["<p>Cocoa</p><NoScript>n</noscript><template>t</template><p>Plum</p>", "Cocoa\nPlum"],
    ["<p>Cocoa, plum</p>", "Cocoa, plum"],
  ])("%j → %j", (html, text) => {
    expect(htmlToText(html)).toBe(text);
  });
});
