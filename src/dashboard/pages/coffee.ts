import { coffeeById, priceHistory, variantsOfCoffee, type PricePoint, type VariantRow } from "../../db/dashboard/coffee.ts";
import { priceChart } from "../charts.ts";
import { grams, money, when } from "../format.ts";
import { html, safeHref, type Html } from "../html.ts";
import { pager } from "../layout.ts";
import type { PageContext } from "./context.ts";

/** Points drawn per variant chart (the most recent price rows). */
const HISTORY_POINTS = 200;

/** Price per 100 g of coffee in the bag(s); null when the weight is unknown. */
export function pricePer100g(v: Pick<VariantRow, "price_current" | "weight_g" | "pack_count">): number | null {
  if (v.price_current === null || !v.weight_g) return null;
  return (v.price_current / (v.weight_g * Math.max(v.pack_count || 1, 1))) * 100;
}

export function variantLabel(v: Pick<VariantRow, "weight_g" | "grind" | "pack_count">): string {
  const pack = v.pack_count > 1 ? `${v.pack_count} × ` : "";
  return `${pack}${v.weight_g ? grams(v.weight_g) : "weight unknown"}${v.grind ? ` · ${v.grind}` : ""}`;
}

/** Variants whose price histories are identical share one chart (one series of dots each). */
function chartGroups(rows: VariantRow[], history: Map<string, PricePoint[]>) {
  const groups = new Map<string, VariantRow[]>();
  for (const v of rows) {
    const points = (history.get(v.id) ?? []).map((p) => `${p.at.getTime()}:${p.price}:${p.isSale ? 1 : 0}`).join(",");
    const key = `${v.weight_g}|${v.pack_count}|${v.currency}|${points}`;
    groups.set(key, [...(groups.get(key) ?? []), v]);
  }
  return [...groups.values()].map((variants) => {
    const first = variants[0]!;
    const title = variants.length > 1 ? `${first.pack_count > 1 ? `${first.pack_count} × ` : ""}${grams(first.weight_g)}` : variantLabel(first);
    return { first, variants, title };
  });
}

export async function coffeePage(ctx: PageContext, params: { id: string; page: number }): Promise<{ body: Html; title: string } | null> {
  const coffee = await coffeeById(ctx.db, params.id);
  if (!coffee) return null;
  const variants = await variantsOfCoffee(ctx.db, coffee.id, params.page, 60);
  const history = await priceHistory(
    ctx.db,
    variants.rows.map((v) => v.id),
    HISTORY_POINTS,
  );
  const buy = safeHref(coffee.direct_buy_url);
  const body = html`
<p class="sub"><a href="/roasters/${encodeURIComponent(coffee.roaster_slug)}">← ${coffee.roaster_name}</a></p>
<h1>${coffee.name}</h1>
<p class="sub">${coffee.status}${coffee.decaf ? " · decaf" : ""}${buy ? html` · <a href="${buy}" rel="noopener noreferrer nofollow">in the store</a>` : ""}</p>
<section class="card">
  <dl class="kv">
    <dt>roast</dt><dd>${coffee.roast_level ?? "—"}</dd>
    <dt>process</dt><dd>${coffee.process ?? "—"}</dd>
    <dt>species</dt><dd>${coffee.bean_species ?? "—"}</dd>
    <dt>varieties</dt><dd>${coffee.varieties?.length ? coffee.varieties.join(", ") : "—"}</dd>
    <dt>tags</dt><dd>${coffee.tags?.length ? coffee.tags.join(", ") : "—"}</dd>
    <dt>first seen</dt><dd>${when(coffee.first_seen_at, ctx.now)}</dd>
    <dt>updated</dt><dd>${when(coffee.updated_at, ctx.now)}</dd>
    <dt>last seen in the store</dt><dd>${coffee.last_seen_at ? when(coffee.last_seen_at, ctx.now) : "—"}</dd>
  </dl>
</section>
<section class="card" id="variants">
  <h2>Variants <span class="muted small">(${variants.rows.length}${variants.hasMore || variants.page > 1 ? ` on page ${variants.page}` : ""})</span></h2>
  <table class="variants">
    <thead><tr><th class="num">Weight</th><th>Grind</th><th class="num">Price</th><th class="num">Per 100 g</th>
      <th class="num">Compare at</th><th>In stock</th><th title="when the variant's price was last written (a product seen unchanged leaves it, unless TOUCH_UNCHANGED_VARIANTS)">Price written</th><th class="num">Price rows</th><th>SKU</th></tr></thead>
    <tbody>
    ${variants.rows.length === 0 ? html`<tr><td colspan="9" class="muted">No variants.</td></tr>` : ""}
    ${variants.rows.map((v) => {
      const per100 = pricePer100g(v);
      return html`<tr data-variant="${v.id}">
        <td class="num">${v.pack_count > 1 ? `${v.pack_count} × ` : ""}${v.weight_g ? grams(v.weight_g) : html`<span class="muted">unknown</span>`}</td>
        <td>${v.grind ?? "—"}</td>
        <td class="num">${money(v.price_current, v.currency)}</td>
        <td class="num" data-per100="${per100 === null ? "" : per100.toFixed(2)}">${per100 === null ? html`<span class="muted">—</span>` : money(per100, v.currency)}</td>
        <td class="num">${v.compare_at_price ? money(v.compare_at_price, v.currency) : ""}</td>
        <td>${v.in_stock === null ? "—" : v.in_stock ? "yes" : html`<span class="err">no</span>`}</td>
        <td class="small nowrap">${when(v.price_last_checked_at, ctx.now)}</td>
        <td class="num">${history.get(v.id)?.length ?? 0}</td>
        <td class="small muted">${v.sku ?? v.platform_variant_id}</td>
      </tr>`;
    })}
    </tbody>
  </table>
  ${pager(variants, `/coffees/${coffee.id}`, {})}
</section>
<section class="card" id="price-history">
  <h2>Price history <span class="muted small">(a dot per recorded price; the line holds a price until it changed)</span></h2>
  <div class="charts">
  ${chartGroups(variants.rows, history).map(
    (g) => html`<figure><figcaption>${g.title} <span class="muted small">${money(g.first.price_current, g.first.currency)}</span>
      ${g.variants.length > 1 ? html`<div class="muted small wrap">${g.variants.length} variants with the same prices: ${g.variants.map((v) => v.grind ?? v.platform_variant_id).join(", ")}</div>` : ""}</figcaption>
      ${priceChart({ variantIds: g.variants.map((v) => v.id), points: history.get(g.first.id) ?? [], currency: g.first.currency, now: ctx.now, label: g.title })}</figure>`,
  )}
  </div>
</section>`;
  return { body, title: coffee.name };
}
