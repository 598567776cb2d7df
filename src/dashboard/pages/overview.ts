import { healthCounts, HEALTHS, roastersByHealth, runsPerDay, totals, type Health } from "../../db/dashboard/overview.ts";
import { readingText } from "../../db/store-reading.ts";
import { coerceError } from "../../core/errors.ts";
import type { FailedJob, JobCounts } from "../../queue/backend.ts";
import { runsPerDayChart } from "../charts.ts";
import { ago, count, JOB_TYPE_LABEL, statusBadge, when } from "../format.ts";
import { html, query, type Html } from "../html.ts";
import { pager } from "../layout.ts";
import { NO_QUEUE_HERE, type PageContext } from "./context.ts";
import { stageTotals, type StageTotals } from "../../db/stage-status.ts";

const HEALTH_LABEL: Record<Health, string> = {
  failing: "failing",
  partial: "partial",
  robots: "robots.txt disallows",
  never: "never run",
  ok: "ok",
};

export function parseHealth(value: string | undefined): Health | undefined {
  return (HEALTHS as readonly string[]).includes(value ?? "") ? (value as Health) : undefined;
}

async function queueState(ctx: PageContext): Promise<{ counts: JobCounts; failures: FailedJob[] } | { error: string } | null> {
  if (!ctx.queue) return null;
  try {
    const [counts, failures] = await Promise.all([ctx.queue.counts(), ctx.queue.recentFailures(5)]);
    return { counts, failures };
  } catch (err) {
    return { error: coerceError(err).message };
  }
}

export async function overviewPage(ctx: PageContext, params: { health?: Health; search?: string; page: number }): Promise<Html> {
  const [health, list, days, t, queue, stages] = await Promise.all([
    healthCounts(ctx.db),
    roastersByHealth(ctx.db, { health: params.health, search: params.search }, params.page, 50),
    runsPerDay(ctx.db, ctx.now, 30),
    totals(ctx.db, ctx.now),
    queueState(ctx),
    stageTotals(ctx.db, ctx.now),
  ]);
  const tile = (h: Health) =>
    html`<div class="tile ${h}"><a href="/${query({ health: h })}"><div class="n">${count(health[h])}</div><div class="l">${HEALTH_LABEL[h]}</div></a></div>`;
  const runsIn30 = days.reduce((n, d) => n + d.ok + d.partial + d.fail, 0);

  return html`
<h1>Overview</h1>
<p class="sub">${count(t.roasters)} roasters (${count(t.active_roasters)} active) · times in UTC</p>

<section class="tiles" aria-label="roaster health">${HEALTHS.map(tile)}</section>

<section class="tiles" aria-label="totals">
  <div class="tile"><div class="n">${count(t.coffees)}</div><div class="l">coffees tracked</div></div>
  <div class="tile"><div class="n">${count(t.variants)}</div><div class="l">variants tracked</div></div>
  <div class="tile"><div class="n">${count(t.price_changes_week)}</div><div class="l">price changes, 7 days</div></div>
  <div class="tile"><a href="/alerts"><div class="n">${count(t.alerts_week)}</div><div class="l">price alerts, 7 days</div></a></div>
  <div class="tile"><div class="n">${count(t.held_variants)}</div><div class="l">variants held back (size or currency unknown)</div></div>
</section>
${stagesTiles(ctx, stages)}

<div class="grid2">
  <section class="card">
    <h2>Runs per day <span class="muted small">(${count(runsIn30)} in 30 days)</span></h2>
    ${runsPerDayChart(days)}
    <div class="legend"><span><i class="k-ok"></i>ok</span><span><i class="k-partial"></i>partial</span><span><i class="k-fail"></i>failed</span></div>
  </section>
  <section class="card" id="queue">
    <h2>Queue</h2>
    ${queueSection(queue, ctx)}
  </section>
</div>

<section class="card">
  <h2>Roasters by health</h2>
  <form class="filters" method="get" action="/">
    <label>Health
      <select name="health">
        <option value="">all</option>
        ${HEALTHS.map((h) => html`<option value="${h}" ${params.health === h ? html`selected` : ""}>${HEALTH_LABEL[h]}</option>`)}
      </select>
    </label>
    <label>Search <input type="search" name="q" value="${params.search ?? ""}" placeholder="slug or name"></label>
    <button type="submit" class="secondary">Filter</button>
  </form>
  <table>
    <thead><tr><th>Roaster</th><th>Health</th><th>Last run</th><th>Type</th><th>Finished</th><th class="num">Coffees</th><th>Platform, read via</th></tr></thead>
    <tbody>
    ${list.rows.length === 0 ? html`<tr><td colspan="7" class="muted">No roasters match.</td></tr>` : ""}
    ${list.rows.map(
      (r) => html`<tr>
        <td><a href="/roasters/${encodeURIComponent(r.slug)}">${r.name}</a> <span class="muted small">${r.slug}</span>
          ${r.is_active ? "" : html`<span class="badge st-inactive">inactive</span>`}</td>
        <td>${statusBadge(r.health)}</td>
        <td>${r.run_id ? html`<a href="/runs/${r.run_id}">${r.status}</a>` : html`<span class="muted">—</span>`}</td>
        <td>${r.job_type ? JOB_TYPE_LABEL[r.job_type] ?? r.job_type : ""}</td>
        <td>${r.finished_at ? html`<span title="${ago(r.finished_at, ctx.now)}">${when(r.finished_at, ctx.now)}</span>` : ""}</td>
        <td class="num">${count(r.coffees)}</td>
        <td>${readingText(r) ?? html`<span class="muted">detect</span>`}</td>
      </tr>`,
    )}
    </tbody>
  </table>
  ${pager(list, "/", { health: params.health, q: params.search })}
</section>`;
}

/** The paid stages, when either is configured or has left something: LLM use today, images on ImageKit. */
function stagesTiles(ctx: PageContext, s: StageTotals): Html | string {
  const llmOn = Boolean(ctx.settings.LLM_BASE_URL) || s.llmToday.calls + s.llmToday.skipped > 0;
  const imagesOn = Boolean(ctx.settings.IMAGEKIT_PRIVATE_KEY) || s.imagesOnImagekit + s.imagesFailing + s.imagesRefused > 0;
  if (!llmOn && !imagesOn) return "";
  return html`<section class="tiles" aria-label="optional stages">
  ${llmOn
    ? html`<div class="tile"><div class="n" data-llm-calls="${s.llmToday.calls}">${count(s.llmToday.calls)}</div><div class="l">LLM calls today (of ${count(ctx.settings.LLM_DAILY_CALLS)})</div></div>
  <div class="tile"><div class="n" data-llm-tokens="${s.llmToday.tokens}">${count(s.llmToday.tokens)}</div><div class="l">LLM tokens today (of ${count(ctx.settings.LLM_DAILY_TOKENS)})</div></div>
  <div class="tile ${s.llmToday.skipped > 0 ? "partial" : ""}"><div class="n" data-llm-skipped="${s.llmToday.skipped}">${count(s.llmToday.skipped)}</div><div class="l">products skipped over the LLM budget today</div></div>`
    : ""}
  ${imagesOn
    ? html`<div class="tile"><div class="n" data-images-on-imagekit="${s.imagesOnImagekit}">${count(s.imagesOnImagekit)}</div><div class="l">images on ImageKit (${count(s.uploadsThisWeek)} uploaded in 7 days)</div></div>
  <div class="tile ${s.imagesFailing > 0 ? "partial" : ""}"><div class="n" data-images-failing="${s.imagesFailing}">${count(s.imagesFailing)}</div><div class="l">images failing (tried again next run), ${count(s.imagesRefused)} refused</div></div>`
    : ""}
</section>`;
}

function queueSection(queue: Awaited<ReturnType<typeof queueState>>, ctx: PageContext): Html {
  if (queue === null) return html`<p class="muted">${NO_QUEUE_HERE}</p>`;
  if ("error" in queue) return html`<p class="err">The queue did not answer: ${queue.error}</p>`;
  const c = queue.counts;
  return html`
    <div class="tiles compact">
      <div class="tile"><div class="n" data-count="waiting">${count(c.waiting)}</div><div class="l">waiting</div></div>
      <div class="tile"><div class="n" data-count="active">${count(c.active)}</div><div class="l">active</div></div>
      <div class="tile"><div class="n" data-count="delayed">${count(c.delayed)}</div><div class="l">delayed</div></div>
      <div class="tile failing"><div class="n" data-count="failed">${count(c.failed)}</div><div class="l">failed</div></div>
    </div>
    <p class="muted small">${ctx.queue?.kind === "bullmq" ? html`BullMQ on Redis · <a href="/queues">jobs in detail</a>` : "embedded queue (this process)"}</p>
    ${queue.failures.length
      ? html`<h2>Recent failures</h2><table><tbody>${queue.failures.map(
          (f) => html`<tr><td><a href="/roasters/${encodeURIComponent(f.payload.roaster)}">${f.payload.roaster}</a> <span class="muted small">${JOB_TYPE_LABEL[f.payload.type] ?? f.payload.type}</span></td>
            <td class="small">${when(f.failedAt, ctx.now)}</td><td class="small err wrap">${f.reason}</td></tr>`,
        )}</tbody></table>`
      : html`<p class="muted">No failed jobs.</p>`}`;
}
