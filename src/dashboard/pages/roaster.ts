import {
  coffeesOfRoaster,
  heldVariantsOfRoaster,
  lastSlots,
  roasterBySlug,
  unlistingHoldOf,
  type HeldVariantRow,
  type RoasterDetail,
  type UnlistingHoldRow,
} from "../../db/dashboard/roaster.ts";
import { listRuns, runsOfJob, type RunRow } from "../../db/dashboard/runs.ts";
import type { JobMode, JobType } from "../../core/job-kinds.ts";
import { nextSlot } from "../../core/cadence.ts";
import { readingText } from "../../db/store-reading.ts";
import { coerceError } from "../../core/errors.ts";
import { count, duration, JOB_TYPE_LABEL, money, statusBadge, when } from "../format.ts";
import { html, safeHref, type Html } from "../html.ts";
import { pager } from "../layout.ts";
import { NO_QUEUE_HERE, type PageContext } from "./context.ts";
import { roasterStages, type RoasterStages } from "../../db/stage-status.ts";

export interface RoasterParams {
  slug: string;
  page: number;
  runsPage: number;
  /** A job just enqueued from here, to follow. */
  job?: string | undefined;
  enqueued?: string | undefined;
}

/** The roaster page, or null when there is no such roaster. Also says whether to keep refreshing. */
export async function roasterPage(ctx: PageContext, params: RoasterParams): Promise<{ body: Html; refresh: boolean; title: string } | null> {
  const roaster = await roasterBySlug(ctx.db, params.slug);
  if (!roaster) return null;
  const [slots, runs, coffees, held, job, stages, hold] = await Promise.all([
    lastSlots(ctx.db, roaster.id),
    listRuns(ctx.db, { roaster: roaster.slug }, params.runsPage, 15),
    coffeesOfRoaster(ctx.db, roaster.id, params.page, 50),
    heldVariantsOfRoaster(ctx.db, roaster.id, 100),
    params.job ? jobState(ctx, params.job) : Promise.resolve(null),
    roasterStages(ctx.db, [roaster.id], ctx.now),
    unlistingHoldOf(ctx.db, roaster.id),
  ]);
  const refresh = Boolean(job && (job.state === "waiting" || job.state === "active" || job.state === "delayed"));
  const website = safeHref(roaster.website);
  const body = html`
<h1>${roaster.name} ${roaster.is_active ? "" : html`<span class="badge st-inactive">inactive</span>`}</h1>
<p class="sub">${roaster.slug} · ${website ? html`<a href="${website}" rel="noopener noreferrer nofollow">${roaster.website}</a>` : roaster.website}
  · ${readingText(roaster) ?? "platform not detected yet"}</p>
${job ? jobFlash(ctx, params, job) : ""}
${hold ? unlistingHoldFlash(ctx, hold) : ""}
<section class="card">
  <h2>Run now</h2>
  ${enqueueButtons(ctx, roaster)}
</section>
<div class="grid2">
  <section class="card"><h2>Schedule <span class="muted small">(UTC)</span></h2>${schedule(ctx, roaster, slots, runs.rows)}</section>
  <section class="card"><h2>Configuration</h2>${config(ctx, roaster)}</section>
</div>
${stagesCard(ctx, roaster, stages.get(roaster.id))}
<section class="card" id="runs">
  <h2>Recent runs <a class="small" href="/runs?roaster=${encodeURIComponent(roaster.slug)}">all runs →</a></h2>
  ${runsTable(ctx, runs.rows, false)}
  ${pager(runs, `/roasters/${encodeURIComponent(roaster.slug)}`, { page: params.page > 1 ? String(params.page) : undefined }, "runs_page")}
</section>
<section class="card" id="coffees">
  <h2>Coffees</h2>
  <table>
    <thead><tr><th>Coffee</th><th>Status</th><th>Roast</th><th>Process</th><th class="num">Variants</th><th class="num">In stock</th><th class="num">Price</th><th>Updated</th></tr></thead>
    <tbody>
    ${coffees.rows.length === 0 ? html`<tr><td colspan="8" class="muted">No coffees yet: they appear after the first full run.</td></tr>` : ""}
    ${coffees.rows.map(
      (c) => html`<tr>
        <td><a href="/coffees/${c.id}">${c.name}</a>${c.decaf ? html` <span class="badge">decaf</span>` : ""}</td>
        <td>${c.status}</td><td>${c.roast_level ?? ""}</td><td>${c.process ?? ""}</td>
        <td class="num">${c.variants}</td><td class="num">${c.in_stock}</td>
        <td class="num">${c.min_price === null ? "—" : c.min_price === c.max_price ? money(c.min_price, c.currency) : `${money(c.min_price, c.currency)} – ${money(c.max_price, null)}`}</td>
        <td class="small">${when(c.updated_at, ctx.now)}</td>
      </tr>`,
    )}
    </tbody>
  </table>
  ${pager(coffees, `/roasters/${encodeURIComponent(roaster.slug)}`, { runs_page: params.runsPage > 1 ? String(params.runsPage) : undefined })}
</section>
${held.total > 0 ? heldSection(ctx, held.rows, held.total) : ""}`;
  return { body, refresh, title: roaster.name };
}

/** Variants the store lists that cannot be rows of `variants` yet: named, so they can be fixed at the store. */
function heldSection(ctx: PageContext, rows: HeldVariantRow[], total: number): Html {
  return html`<section class="card" id="held">
  <h2>Held back <span class="muted small">${count(total)} variant(s) not written: a bag size or a currency the store does not state</span></h2>
  <table>
    <thead><tr><th>Product</th><th>Variant</th><th>Why</th><th class="num">Price</th><th>Since</th><th>Last seen</th></tr></thead>
    <tbody>
    ${rows.map(
      (h) => html`<tr data-held-variant="${h.platform_variant_id}">
        <td>${h.coffee_id ? html`<a href="/coffees/${h.coffee_id}">${h.product_name ?? h.platform_product_id}</a>` : (h.product_name ?? h.platform_product_id)}</td>
        <td>${h.variant_title ?? h.platform_variant_id}</td><td>${h.reason}</td>
        <td class="num">${h.price === null ? "—" : money(h.price, h.currency)}</td>
        <td class="small">${when(h.first_seen_at, ctx.now)}</td><td class="small">${when(h.last_seen_at, ctx.now)}</td>
      </tr>`,
    )}
    </tbody>
  </table>
</section>`;
}

interface JobView {
  id: string;
  state: string | null;
  error?: string;
  runs: RunRow[];
}

async function jobState(ctx: PageContext, id: string): Promise<JobView> {
  const runs = await runsOfJob(ctx.db, id);
  if (!ctx.queue) return { id, state: null, runs };
  try {
    return { id, state: await ctx.queue.stateOf(id), runs };
  } catch (err) {
    return { id, state: null, error: coerceError(err).message, runs };
  }
}

function jobFlash(ctx: PageContext, params: RoasterParams, job: JobView): Html {
  const lead =
    params.enqueued === "1" ? "Enqueued job" : params.enqueued === "0" ? "Already queued this minute: job" : "Job";
  const state = job.state ?? (job.runs.length ? "finished (no longer in the queue)" : "unknown to the queue");
  return html`<div class="flash" id="job" data-job-id="${job.id}" data-job-state="${job.state ?? ""}">
    ${lead} <code>${job.id}</code>: ${statusBadge(job.state ?? "unknown")} <span class="muted">${job.state ? "" : state}</span>
    ${job.error ? html`<span class="err">${job.error}</span>` : ""}
    ${job.runs.length
      ? html`<div class="small">Runs: ${job.runs.map((r) => html`<a href="/runs/${r.id}" data-run-status="${r.status ?? "running"}">${r.status ?? "running"} (${when(r.started_at, ctx.now)})</a> `)}</div>`
      : ""}
  </div>`;
}

function enqueueButtons(ctx: PageContext, roaster: RoasterDetail): Html {
  const disabled = !ctx.queue || !roaster.is_active;
  const why = !ctx.queue ? NO_QUEUE_HERE : !roaster.is_active ? "Inactive roasters are never run." : "";
  const form = (type: JobMode, label: string) =>
    html`<form method="post" action="/roasters/${encodeURIComponent(roaster.slug)}/enqueue" class="inline">
      <input type="hidden" name="csrf" value="${ctx.csrf}"><input type="hidden" name="type" value="${type}">
      <button type="submit" ${disabled ? html`disabled` : ""}>${label}</button></form>`;
  return html`<div class="actions">${form("full", "Enqueue full run")}${form("price", "Enqueue price run")}
    <span class="muted small">${why || "Puts a job on the queue for this minute's manual slot; a worker picks it up."}</span></div>`;
}

function schedule(ctx: PageContext, roaster: RoasterDetail, slots: { job_type: string; slot_at: Date | string; finished_at: Date | string | null }[], runs: RunRow[]): Html {
  const row = (type: JobType, cadence: string) => {
    const slot = slots.find((s) => s.job_type === type);
    const lastRun = runs.find((r) => r.job_type === type);
    const next = roaster.is_active ? nextSlot(cadence, ctx.now) : null;
    return html`<tr><td>${JOB_TYPE_LABEL[type]}</td><td><code>${cadence}</code></td>
      <td class="small">${slot ? html`${when(slot.slot_at, ctx.now)} ${slot.finished_at ? "" : html`<span class="muted">(unfinished)</span>`}` : html`<span class="muted">none yet</span>`}</td>
      <td class="small">${next ? when(next, ctx.now) : html`<span class="muted">never (inactive)</span>`}</td>
      <td>${lastRun ? html`<a href="/runs/${lastRun.id}">${statusBadge(lastRun.status)}</a>` : html`<span class="muted">—</span>`}</td></tr>`;
  };
  return html`<table><thead><tr><th>Type</th><th>Cadence</th><th>Last slot</th><th>Next slot</th><th>Last run</th></tr></thead>
    <tbody>${row("full_refresh", roaster.full_cadence)}${row("price_only", roaster.price_cadence)}</tbody></table>`;
}

function config(ctx: PageContext, r: RoasterDetail): Html {
  const yes = (b: boolean | null) => (b === null ? "—" : b ? "yes" : "no");
  return html`<dl class="kv">
    <dt>currency</dt><dd>${r.currency ?? "from the store"}</dd>
    <dt>concurrency</dt><dd>${r.default_concurrency} request(s) at once</dd>
    <dt>alert threshold</dt><dd>${r.alert_price_delta_pct} %</dd>
    <dt>robots.txt</dt><dd>${r.robots_allow === null ? "not checked yet" : r.robots_allow ? "allows" : html`<span class="err">disallows</span>`}
      ${r.robots_checked_at ? html`<span class="muted small">(${when(r.robots_checked_at, ctx.now)})</span>` : ""}</dd>
    <dt>LLM enricher</dt><dd>${yes(r.use_llm)}</dd>
    <dt>Firecrawl fallback</dt><dd>${yes(r.use_firecrawl_fallback)}${r.firecrawl_budget_limit !== null ? ` (budget ${r.firecrawl_budget_limit} credits a month)` : ""}</dd>
    <dt>Firecrawl this month</dt><dd data-firecrawl-used="${r.firecrawl_used}">${r.firecrawl_used} of ${r.firecrawl_budget_limit ?? 0} credits used</dd>
    <dt>added</dt><dd>${when(r.created_at, ctx.now)}</dd>
  </dl>`;
}

/** The LLM enricher's work over 30 days and the images on ImageKit, when either is in use here. */
function stagesCard(ctx: PageContext, roaster: RoasterDetail, stages: RoasterStages | undefined): Html | string {
  if (!stages) return "";
  const { llm, images } = stages;
  const llmShown = roaster.use_llm || llm.runs > 0 || llm.coffees_inferred > 0;
  const imagesShown = Boolean(ctx.settings.IMAGEKIT_PRIVATE_KEY) || images.on_imagekit + images.failing + images.refused > 0;
  if (!llmShown && !imagesShown) return "";
  return html`<section class="card" id="stages"><h2>Enrichment and images</h2><dl class="kv">
    ${llmShown
      ? html`<dt>LLM calls <span class="muted small">(30 days)</span></dt><dd data-llm-calls="${llm.calls}">${count(llm.calls)} call(s), ${count(llm.tokens)} tokens, ${count(llm.cache_hits)} answered from the cache</dd>
    <dt>LLM budget</dt><dd data-llm-budget-skipped="${llm.budget_skipped}">${count(llm.budget_skipped)} product(s) skipped over the daily budget; ${count(llm.pending)} pending after the last run</dd>
    <dt>invalid answers</dt><dd data-llm-invalid="${llm.invalid_answers}">${count(llm.invalid_answers)}</dd>
    <dt>inferred</dt><dd data-coffees-inferred="${llm.coffees_inferred}">${count(llm.coffees_inferred)} coffee(s) hold inferred values</dd>`
      : ""}
    ${imagesShown
      ? html`<dt>images</dt><dd data-images-on-imagekit="${images.on_imagekit}">${count(images.on_imagekit)} of ${count(images.images)} on ImageKit</dd>
    <dt>image failures</dt><dd data-images-failing="${images.failing}">${count(images.failing)} failing (tried again next run), ${count(images.refused)} refused (not an image, too large or gone)</dd>`
      : ""}
  </dl></section>`;
}

/** The runs table shared by the roaster page and the runs page. */
export function runsTable(ctx: PageContext, rows: RunRow[], withRoaster: boolean): Html {
  return html`<table>
    <thead><tr><th>Started</th>${withRoaster ? html`<th>Roaster</th>` : ""}<th>Type</th><th>Status</th><th class="num">Duration</th>
      <th class="num">Pages</th><th class="num">Products</th><th class="num">Variants</th><th class="num">Prices</th><th class="num">Requests</th><th>Errors</th></tr></thead>
    <tbody>
    ${rows.length === 0 ? html`<tr><td colspan="${withRoaster ? 11 : 10}" class="muted">No runs.</td></tr>` : ""}
    ${rows.map(
      (r) => html`<tr>
        <td class="small"><a href="/runs/${r.id}">${when(r.started_at, ctx.now)}</a></td>
        ${withRoaster ? html`<td><a href="/roasters/${encodeURIComponent(r.slug)}">${r.roaster_name}</a></td>` : ""}
        <td>${r.job_type ? JOB_TYPE_LABEL[r.job_type] ?? r.job_type : ""}</td>
        <td>${statusBadge(r.status)}</td>
        <td class="num">${duration(r.duration_ms)}</td>
        <td class="num">${count(r.pages)}</td><td class="num">${count(r.products_seen)}</td>
        <td class="num">${count(r.variants_upserted)}</td><td class="num">${count(r.prices_inserted)}</td><td class="num">${count(r.requests)}</td>
        <td class="small err wrap">${r.error_count ? html`${r.error_count}: ${(r.first_error ?? "").slice(0, 140)}` : ""}</td>
      </tr>`,
    )}
    </tbody></table>`;
}

/** Most of the roaster's coffees vanished from its listing at once: said until a full refresh settles it. */
function unlistingHoldFlash(ctx: PageContext, hold: UnlistingHoldRow): Html {
  const run = hold.run_id ? html` (<a href="/runs/${hold.run_id}">the run</a>, ${when(hold.held_at, ctx.now)})` : html` (${when(hold.held_at, ctx.now)})`;
  return html`<p class="flash warn" id="unlisting-hold">${count(hold.missing)} of its ${count(hold.active)} coffees vanished from the
store's listing at once${run}: none was marked discontinued, as a listing cut short is more often the store's fault. The next full
refresh that still misses them marks them; one that lists them again lifts this. A full refresh now settles it.</p>`;
}
