import { describe, expect, it } from "vitest";
import { decodeEntities, htmlToMarkdown, htmlToText, slugify } from "../../../src/pipeline/normalize/text.ts";

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
    ["<ul><li>one</li><li>two</li></ul>", "-   one\n-   two"],
    ["<p>Oatmeal &amp; cranberry</p><!---->", "Oatmeal & cranberry"],
  ])("%j → %j", (html, md) => {
    expect(htmlToMarkdown(html)).toBe(md);
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
