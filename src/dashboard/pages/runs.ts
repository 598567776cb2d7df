import { artifactsOfRun, listRuns, runById, type RunFilter } from "../../db/dashboard/runs.ts";
import { isJobType, JOB_TYPES } from "../../core/job-kinds.ts";
import { readRunStats, type RunStats } from "../../pipeline/run-stats.ts";
import { bytes, count, duration, JOB_TYPE_LABEL, statusBadge, when } from "../format.ts";
import { html, safeHref, type Html } from "../html.ts";
import { pager } from "../layout.ts";
import type { PageContext } from "./context.ts";
import { runsTable } from "./roaster.ts";

const STATUSES = ["ok", "partial", "fail", "running"] as const;

export function parseRunFilter(q: { roaster?: string | undefined; status?: string | undefined; type?: string | undefined }): RunFilter {
  const roaster = q.roaster?.trim();
  return {
    roaster: roaster && /^[a-z0-9][a-z0-9-]{0,99}$/.test(roaster) ? roaster : undefined,
    status: (STATUSES as readonly string[]).includes(q.status ?? "") ? (q.status as RunFilter["status"]) : undefined,
    type: isJobType(q.type) ? q.type : undefined,
  };
}

export async function runsPage(ctx: PageContext, filter: RunFilter, page: number): Promise<Html> {
  const runs = await listRuns(ctx.db, filter, page, 50);
  const option = (value: string, current: string | undefined, label = value) =>
    html`<option value="${value}" ${current === value ? html`selected` : ""}>${label}</option>`;
  return html`
<h1>Runs</h1>
<p class="sub">Every job attempt is a run; newest first.</p>
<section class="card">
  <form class="filters" method="get" action="/runs">
    <label>Roaster (slug) <input type="text" name="roaster" value="${filter.roaster ?? ""}" placeholder="any"></label>
    <label>Status <select name="status"><option value="">any</option>${STATUSES.map((s) => option(s, filter.status))}</select></label>
    <label>Type <select name="type"><option value="">any</option>${JOB_TYPES.map((t) => option(t, filter.type, JOB_TYPE_LABEL[t]))}</select></label>
    <button type="submit" class="secondary">Filter</button>
    ${filter.roaster || filter.status || filter.type ? html`<a href="/runs">clear</a>` : ""}
  </form>
  ${runsTable(ctx, runs.rows, true)}
  ${pager(runs, "/runs", { roaster: filter.roaster, status: filter.status, type: filter.type })}
</section>`;
}

type NumberStat = { [K in keyof RunStats]-?: RunStats[K] extends number | undefined ? K : never }[keyof RunStats];

/** Stats shown as numbers, in this order, with their labels. */
const STAT_FIELDS: [NumberStat, string, (n: number) => string][] = [
  ["pages", "pages", count],
  ["pages_failed", "pages failed", count],
  ["not_modified_pages", "pages not modified (304)", count],
  ["pages_recalled", "pages sent again unchanged (not parsed)", count],
  ["products_seen", "products seen", count],
  ["coffees_upserted", "coffees written", count],
  ["non_coffee_skipped", "non-coffee skipped", count],
  ["variants_upserted", "variants written", count],
  ["prices_inserted", "price rows inserted", count],
  ["prices_unchanged", "prices unchanged", count],
  ["price_alerts", "price alerts", count],
  ["unknown_weights", "unknown weights", count],
  ["marked_unlisted", "marked unlisted", count],
  ["unlisting_held", "unlisting held back", count],
  ["artifacts", "artifacts recorded", count],
  ["requests", "HTTP requests", count],
  ["retries", "HTTP retries", count],
  ["bytes", "bytes received", bytes],
  ["politeness_wait_ms", "politeness wait", duration],
  ["retry_wait_ms", "retry wait", duration],
  ["db_round_trips", "database round trips", count],
  ["duration_ms", "duration", duration],
];

export async function runPage(ctx: PageContext, params: { id: string; page: number }): Promise<{ body: Html; title: string } | null> {
  const run = await runById(ctx.db, params.id);
  if (!run) return null;
  const artifacts = await artifactsOfRun(ctx.db, run.id, params.page, 50);
  const stats = readRunStats(run.stats_json);
  const errors = stats.errors ?? [];
  const warnings = stats.warnings ?? [];
  const statuses = Object.entries(stats.http_statuses ?? {});
  const numbers = STAT_FIELDS.filter(([key]) => stats[key] !== undefined);
  const body = html`
<p class="sub"><a href="/roasters/${encodeURIComponent(run.slug)}">← ${run.roaster_name}</a> · <a href="/runs?roaster=${encodeURIComponent(run.slug)}">its runs</a></p>
<h1>Run ${statusBadge(run.status)} <span class="muted small">${run.id}</span></h1>
<div class="grid2">
  <section class="card">
    <h2>Job</h2>
    <dl class="kv">
      <dt>roaster</dt><dd><a href="/roasters/${encodeURIComponent(run.slug)}">${run.roaster_name}</a></dd>
      <dt>store</dt><dd>${run.base_url}</dd>
      <dt>type</dt><dd>${run.job_type ?? "—"}</dd>
      <dt>job id</dt><dd><code>${run.job_id ?? "—"}</code></dd>
      <dt>slot</dt><dd>${stats.slot ?? "—"}</dd>
      <dt>attempt</dt><dd>${stats.attempt ?? "—"}</dd>
      <dt>platform</dt><dd>${stats.platform ?? "—"}</dd>
      <dt>started</dt><dd>${when(run.started_at, ctx.now)}</dd>
      <dt>finished</dt><dd>${run.finished_at ? when(run.finished_at, ctx.now) : html`<span class="muted">still running</span>`}</dd>
    </dl>
  </section>
  <section class="card" id="stats">
    <h2>Stats</h2>
    ${numbers.length === 0 ? html`<p class="muted">No stats recorded (yet).</p>` : ""}
    <table><tbody>
      ${numbers.map(([key, label, fmt]) => html`<tr data-stat="${key}"><td>${label}</td><td class="num">${fmt(stats[key]!)}</td></tr>`)}
      ${statuses.length ? html`<tr><td>HTTP statuses</td><td class="num">${statuses.map(([s, n]) => `${s}: ${n}`).join(", ")}</td></tr>` : ""}
    </tbody></table>
  </section>
</div>
<section class="card" id="errors">
  <h2>Errors <span class="muted small">(${errors.length})</span></h2>
  ${errors.length === 0
    ? html`<p class="muted">None.</p>`
    : html`<table><thead><tr><th>Scope</th><th>Message</th><th>Where</th><th>Retry class</th></tr></thead><tbody>
      ${errors.map(
        (e) => html`<tr><td>${e.scope ?? ""}</td><td class="err wrap">${e.message ?? ""}</td>
          <td class="small wrap">${e.url ?? ""}${e.product ? html`<br>product ${e.product}` : ""}</td><td>${e.retry ?? ""}</td></tr>`,
      )}</tbody></table>`}
  ${warnings.length ? html`<h2>Warnings <span class="muted small">(${warnings.length})</span></h2><ul class="small">${warnings.map((w) => html`<li class="wrap">${w}</li>`)}</ul>` : ""}
</section>
<section class="card" id="artifacts">
  <h2>Stored pages <span class="muted small">(the raw responses this run was made from)</span></h2>
  <table><thead><tr><th>URL</th><th class="num">Status</th><th class="num">Size</th><th>Fetched</th><th>Raw body</th></tr></thead><tbody>
  ${artifacts.rows.length === 0 ? html`<tr><td colspan="5" class="muted">No artifacts recorded.</td></tr>` : ""}
  ${artifacts.rows.map((a) => {
    const href = safeHref(a.url);
    return html`<tr><td class="small wrap">${href ? html`<a href="${href}" rel="noopener noreferrer nofollow">${a.url}</a>` : a.url}</td>
      <td class="num">${a.http_status ?? "—"}</td><td class="num">${bytes(a.body_len)}</td><td class="small">${when(a.created_at, ctx.now)}</td>
      <td>${a.saved_html_path ? html`<a href="/runs/${run.id}/artifacts/${a.id}">view</a>` : html`<span class="muted">not kept</span>`}</td></tr>`;
  })}
  </tbody></table>
  ${pager(artifacts, `/runs/${run.id}`, {})}
</section>`;
  return { body, title: `Run of ${run.roaster_name}` };
}
