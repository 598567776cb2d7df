// The inspect report as a terminal table. Everything in it comes from a store: each cell is
// made one safe line before it is padded (an escape sequence must neither reach the terminal
// nor, removed later, shift the columns), and the CLI prints the whole through printText.
import { stripVTControlCharacters } from "node:util";
import { CONTROLS } from "../core/control-characters.ts";
import type { InspectedProduct, InspectReport } from "./report.ts";

const EVERY_CONTROL = new RegExp(CONTROLS.source, "g");

/** One line of store text: no escape sequences, controls or line breaks; at most `max` characters. */
export function printable(text: string, max = 200): string {
  const clean = stripVTControlCharacters(text).replace(EVERY_CONTROL, " ").replace(/\s+/g, " ").trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

// A subscription can have hundreds of variants: the table shows the first ones.
const MAX_VARIANT_ROWS = 40;

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join("  ").trimEnd());
}

const money = (price: number | null, currency: string | null) =>
  price === null ? "—" : `${price.toFixed(2)}${currency ? ` ${printable(currency, 8)}` : " (no currency)"}`;

function productLines(p: InspectedProduct): string[] {
  const verdict = p.isCoffee ? `COFFEE (${p.kind})` : `not coffee (${p.kind})`;
  const lines = [`${verdict}  ${printable(p.name)}  [${printable(p.platformProductId, 40)}]`, `  why: ${printable(p.reason, 300)}`];
  const rows = [["variant", "weight", "grind", "price"]];
  for (const v of p.variants.slice(0, MAX_VARIANT_ROWS)) {
    rows.push([
      printable(v.title ?? v.platformVariantId, 60),
      v.weightG === null ? "—" : `${v.weightG} g${v.packCount ? ` × ${v.packCount}` : ""}`,
      v.grind ?? "—",
      money(v.price, v.currency),
    ]);
  }
  lines.push(...table(rows).map((l) => `    ${l}`));
  if (p.variants.length > MAX_VARIANT_ROWS) {
    lines.push(`    … ${p.variants.length - MAX_VARIANT_ROWS} more variants (--json shows every one)`);
  }
  const problems = [
    ...p.warnings,
    ...p.variants.flatMap((v) => {
      const name = printable(v.title ?? v.platformVariantId, 60);
      const missing = v.price === null && !v.warnings.some((w) => /price/.test(w)) ? ["no price in the data"] : [];
      return [...v.warnings, ...missing].map((w) => `${name}: ${w}`);
    }),
  ];
  for (const w of [...new Set(problems)].slice(0, 20)) lines.push(`  not parsed: ${printable(w, 300)}`);
  if (problems.length > 20) lines.push(`  … ${problems.length - 20} more`);
  return lines;
}

export function reportTable(report: InspectReport): string {
  const coffees = report.products.filter((p) => p.isCoffee).length;
  const out = [
    `${printable(report.source.target)} (${report.source.platform}, from ${report.source.kind}): ` +
      `${report.products.length} products, ${coffees} coffee, ${report.pagesRead} page(s) read` +
      (report.stoppedAfterPages ? ` — stopped after ${report.stoppedAfterPages} pages (--max-pages)` : ""),
    "",
  ];
  for (const p of report.products) out.push(...productLines(p), "");
  if (report.productErrors.length || report.pageErrors.length || report.warnings.length) {
    out.push("Could not be read:");
    for (const e of report.pageErrors) out.push(`  page ${e.page} (${printable(e.url)}): ${printable(e.message, 300)}`);
    for (const e of report.productErrors) out.push(`  product ${printable(e.productId ?? "?", 40)}: ${printable(e.message, 300)}`);
    for (const w of report.warnings) out.push(`  ${printable(w, 300)}`);
  }
  return out.join("\n");
}
