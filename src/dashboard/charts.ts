import type { PricePoint } from "../db/dashboard/coffee.ts";
import type { DayRuns } from "../db/dashboard/overview.ts";
import { money } from "./format.ts";
import { escapeHtml, raw, type Html } from "./html.ts";

// Charts as server-rendered SVG: no script, no build step, readable without JavaScript.
// Every text that reaches the SVG goes through escapeHtml.

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/** Stacked bars of runs per day (ok / partial / fail). */
export function runsPerDayChart(days: DayRuns[]): Html {
  const width = 560;
  const height = 200;
  const left = 30;
  const bottom = 24;
  const top = 10;
  const plotH = height - bottom - top;
  const slot = (width - left - 6) / Math.max(days.length, 1);
  const max = Math.max(1, ...days.map((d) => d.ok + d.partial + d.fail));
  const y = (n: number) => (n / max) * plotH;
  const parts: string[] = [];
  for (const frac of [0, 0.5, 1]) {
    const v = Math.round(max * frac);
    const yy = top + plotH - y(v);
    parts.push(`<line class="grid" x1="${left}" x2="${width - 4}" y1="${yy.toFixed(1)}" y2="${yy.toFixed(1)}"/>`);
    parts.push(`<text class="axis" x="${left - 6}" y="${(yy + 4).toFixed(1)}" text-anchor="end">${v}</text>`);
  }
  days.forEach((d, i) => {
    const x = left + i * slot + slot * 0.15;
    const w = slot * 0.7;
    let base = top + plotH;
    const total = d.ok + d.partial + d.fail;
    const label = `${d.day}: ${d.ok} ok, ${d.partial} partial, ${d.fail} failed`;
    parts.push(`<g class="day" data-day="${escapeHtml(d.day)}" data-total="${total}"><title>${escapeHtml(label)}</title>`);
    parts.push(`<rect class="hit" x="${(left + i * slot).toFixed(1)}" y="${top}" width="${slot.toFixed(1)}" height="${plotH}"/>`);
    for (const [key, n] of [["ok", d.ok], ["partial", d.partial], ["fail", d.fail]] as const) {
      if (n <= 0) continue;
      const h = y(n);
      base -= h;
      parts.push(`<rect class="bar ${key}" x="${x.toFixed(1)}" y="${base.toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}"/>`);
    }
    parts.push("</g>");
    if (i % 5 === 0 || i === days.length - 1) {
      parts.push(
        `<text class="axis" x="${(i === days.length - 1 ? x + w : x + w / 2).toFixed(1)}" y="${height - 6}" text-anchor="${i === days.length - 1 ? "end" : "middle"}">${escapeHtml(d.day.slice(5))}</text>`,
      );
    }
  });
  return raw(
    `<svg class="chart runs-chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="Runs per day, last ${days.length} days">${parts.join("")}</svg>`,
  );
}

/**
 * A price history: a step line (a price holds until the next observed change) from the first
 * observation to `now`, with a dot per price row. Variants whose histories are identical
 * (the grinds of one bag size, usually) share a chart: each gets its own group of dots.
 */
export function priceChart(input: { variantIds: string[]; points: PricePoint[]; currency: string | null; now: Date; label: string }): Html {
  const width = 340;
  const height = 150;
  const left = 70;
  const right = 10;
  const top = 12;
  const bottom = 24;
  const pts = [...input.points].sort((a, b) => a.at.getTime() - b.at.getTime());
  const id = escapeHtml(input.variantIds.join(" "));
  if (pts.length === 0) {
    return raw(
      `<svg class="chart price-chart" data-variant="${id}" data-points="0" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(input.label)}: no prices">` +
        `<text class="axis" x="${width / 2}" y="${height / 2}" text-anchor="middle">no prices recorded</text></svg>`,
    );
  }
  const t0 = Math.min(pts[0]!.at.getTime(), input.now.getTime() - 86_400_000);
  const t1 = Math.max(input.now.getTime(), pts[pts.length - 1]!.at.getTime());
  const prices = pts.map((p) => p.price);
  let lo = Math.min(...prices);
  let hi = Math.max(...prices);
  if (hi - lo < 1e-9) {
    const pad = Math.max(hi * 0.1, 1);
    lo -= pad;
    hi += pad;
  } else {
    const pad = (hi - lo) * 0.12;
    lo -= pad;
    hi += pad;
  }
  lo = Math.max(0, lo);
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const x = (t: number) => left + ((t - t0) / Math.max(t1 - t0, 1)) * plotW;
  const y = (p: number) => top + plotH - ((p - lo) / (hi - lo)) * plotH;
  const parts: string[] = [];
  for (const v of [lo, (lo + hi) / 2, hi]) {
    parts.push(`<line class="grid" x1="${left}" x2="${width - right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/>`);
    parts.push(`<text class="axis" x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${escapeHtml(money(v, null))}</text>`);
  }
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  parts.push(`<text class="axis" x="${left}" y="${height - 6}" text-anchor="start">${day(t0)}</text>`);
  parts.push(`<text class="axis" x="${width - right}" y="${height - 6}" text-anchor="end">${day(t1)}</text>`);
  let d = `M${x(pts[0]!.at.getTime()).toFixed(1)},${y(pts[0]!.price).toFixed(1)}`;
  for (const p of pts.slice(1)) d += `H${x(p.at.getTime()).toFixed(1)}V${y(p.price).toFixed(1)}`;
  d += `H${x(t1).toFixed(1)}`;
  parts.push(`<path class="line" d="${d}"/>`);
  for (const variantId of input.variantIds) {
    parts.push(`<g class="series" data-variant="${escapeHtml(variantId)}">`);
    for (const p of pts) {
      const title = `${money(p.price, input.currency)} on ${p.at.toISOString().slice(0, 16).replace("T", " ")} UTC${p.isSale ? " (sale)" : ""}`;
      parts.push(
        `<circle class="pt${p.isSale ? " sale" : ""}" cx="${x(p.at.getTime()).toFixed(1)}" cy="${y(p.price).toFixed(1)}" r="3.5" data-price="${fmt(p.price)}"><title>${escapeHtml(title)}</title></circle>`,
      );
    }
    parts.push("</g>");
  }
  return raw(
    `<svg class="chart price-chart" data-variant="${id}" data-points="${pts.length}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(input.label)}: price history">${parts.join("")}</svg>`,
  );
}
