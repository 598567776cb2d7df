import { listAlerts } from "../../db/dashboard/alerts.ts";
import { grams, money, when } from "../format.ts";
import { html, type Html } from "../html.ts";
import { pager } from "../layout.ts";
import type { PageContext } from "./context.ts";

export async function alertsPage(ctx: PageContext, params: { roaster?: string | undefined; page: number }): Promise<Html> {
  const alerts = await listAlerts(ctx.db, { roaster: params.roaster }, params.page, 50);
  return html`
<h1>Price alerts</h1>
<p class="sub">Price moves of at least the roaster's alert threshold, newest first.</p>
<section class="card">
  <form class="filters" method="get" action="/alerts">
    <label>Roaster (slug) <input type="text" name="roaster" value="${params.roaster ?? ""}" placeholder="any"></label>
    <button type="submit" class="secondary">Filter</button>
    ${params.roaster ? html`<a href="/alerts">clear</a>` : ""}
  </form>
  <table>
    <thead><tr><th>When</th><th>Roaster</th><th>Coffee</th><th>Variant</th><th class="num">Old</th><th class="num">New</th><th class="num">Change</th><th>Run</th></tr></thead>
    <tbody>
    ${alerts.rows.length === 0 ? html`<tr><td colspan="8" class="muted">No price alerts.</td></tr>` : ""}
    ${alerts.rows.map(
      (a) => html`<tr>
        <td class="small">${when(a.created_at, ctx.now)}</td>
        <td><a href="/roasters/${encodeURIComponent(a.slug)}">${a.roaster_name}</a></td>
        <td><a href="/coffees/${a.coffee_id}">${a.coffee_name}</a></td>
        <td>${grams(a.weight_g)}${a.grind ? ` · ${a.grind}` : ""}</td>
        <td class="num">${money(a.old_price, a.currency)}</td>
        <td class="num">${money(a.new_price, a.currency)}</td>
        <td class="num ${a.delta_pct > 0 ? "err" : ""}">${a.delta_pct > 0 ? "+" : ""}${Number(a.delta_pct).toFixed(1)} %</td>
        <td>${a.run_id ? html`<a href="/runs/${a.run_id}">run</a>` : ""}</td>
      </tr>`,
    )}
    </tbody>
  </table>
  ${pager(alerts, "/alerts", { roaster: params.roaster })}
</section>`;
}
