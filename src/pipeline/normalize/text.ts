// Text helpers shared by the normalizers: entity decoding, HTML → Markdown for storage,
// HTML → plain text for attribute parsing, and slugs.
import { htmlToMarkdown as convert } from "@mdream/js";
import { decodeHTML } from "entities";

export function decodeEntities(s: string): string {
  return decodeHTML(s);
}

// Whitespace cleanText would change: any but a plain space, two in a row, or one at an end.
// Most short texts (option values, titles, tags) have none and are returned as they are.
const UNCLEAN_WHITESPACE = /[^\S ]| {2}|^ | $/;

/** Collapses runs of whitespace (including NBSP) to one space and trims. */
export function cleanText(s: string): string {
  return UNCLEAN_WHITESPACE.test(s) ? s.replace(/[\s\u00a0]+/g, " ").trim() : s;
}

// mdream's JavaScript engine (@mdream/js), chosen by measurement on the fixtures' descriptions
// (bench:normalize): half node-html-markdown's time, a fifth of turndown's, with the same
// Markdown (the same words, headings, lists, emphasis and links —
// test/pipeline/normalize/text.test.ts), and linear on hostile markup where node-html-markdown
// is not (5,000 unclosed <b> took it 26 s; 100,000 nested <div> overflowed its stack). Its native
// engine needs Node 22. It leaves out scripts, styles, noscript, iframes and templates itself;
// an <object>'s fallback text means nothing as a description either, and is cut first (its
// filter plugin would cost more than the conversion).
//
// An inline element that holds only white space (text pasted from a word processor:
// "6<span> </span>Days") shows as a space, and the converter would drop it with the space in
// it ("6Days"): it is made a plain space first. `[^<>]*` and a closing tag right after the
// spaces keep this linear.
const BLANK_INLINE = /<(span|em|i|strong|b|u|font|small|mark|s|sub|sup)\b[^<>]*>(?:\s|&nbsp;|&#160;|&#xa0;)+<\/\1\s*>/gi;

export function htmlToMarkdown(html: string | null): string | null {
  if (html === null || html === undefined || html.trim() === "") return null;
  const bounded = /<object\b/i.test(html) ? removeBetween(html, "<object", "</object") : html;
  const md = convert(bounded.replace(BLANK_INLINE, " ")).trim();
  return md === "" ? null : md;
}

/**
 * Cuts every `open … close` span (case-insensitive), and everything after an unclosed
 * `open`. Done with indexOf rather than a lazy regex, which goes quadratic on input
 * like "<script <script <script …" with no closing tag.
 */
function removeBetween(html: string, open: string, close: string): string {
  const lower = html.toLowerCase();
  let out = "";
  let from = 0;
  for (;;) {
    const start = lower.indexOf(open, from);
    if (start === -1) return out + html.slice(from);
    out += html.slice(from, start) + " ";
    const end = lower.indexOf(close, start + open.length);
    if (end === -1) return out;
    const tagEnd = lower.indexOf(">", end);
    from = close.endsWith(">") ? end + close.length : tagEnd === -1 ? lower.length : tagEnd + 1;
  }
}

// `[^<>]` rather than `[^>]`: a run of "<" with no ">" must not make these quadratic.
const BLOCK_BOUNDARY = /<\s*(?:br|\/p|\/div|\/li|\/h[1-6]|\/tr|\/ul|\/ol|hr)\b[^<>]*>/gi;

/**
 * Plain text for pattern matching, keeping line breaks between blocks so that
 * "Region : Coorg<br>Elevation: …" stays two separate lines. Not for display.
 */
export function htmlToText(html: string | null): string {
  if (!html) return "";
  // Cutting a span leaves a space, so it cannot make an opening that was not there: a
  // description without one (most have no comment, script or style) is not read for it.
  const lower = html.toLowerCase();
  let text = lower.includes("<!--") ? removeBetween(html, "<!--", "-->") : html;
  for (const tag of ["script", "style", "noscript", "template"])
    if (lower.includes(`<${tag}`)) text = removeBetween(text, `<${tag}`, `</${tag}`);
  text = text.replace(BLOCK_BOUNDARY, "\n").replace(/<[^<>]*>/g, " ");
  return decodeEntities(text)
    .split("\n")
    .map((line) => cleanText(line))
    .filter((line) => line !== "")
    .join("\n");
}

export function slugify(s: string): string {
  return s
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/&/g, " and ")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}
