import { html, query, type Html } from "./html.ts";
import type { Page } from "../db/dashboard/paging.ts";

// The page frame shared by every page, and the stylesheet (served from /assets, so the
// Content-Security-Policy needs no inline styles).

export interface LayoutOptions {
  title: string;
  nav: "overview" | "runs" | "alerts" | "settings" | "login" | "none";
  /** Reload the page every N seconds (a queued job being watched). */
  refreshSeconds?: number;
  queues?: boolean;
  /** Show the log-out button (a session is in use). */
  logout?: { csrf: string } | null;
}

export function layout(options: LayoutOptions, body: Html): Html {
  const link = (key: LayoutOptions["nav"], href: string, label: string) =>
    html`<a href="${href}" class="${options.nav === key ? "active" : ""}">${label}</a>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${options.refreshSeconds ? html`<meta http-equiv="refresh" content="${options.refreshSeconds}">` : ""}
<title>${options.title} · coffee-scraper</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/dashboard.css">
</head>
<body>
<header class="top">
  <a class="brand" href="/">☕ coffee-scraper</a>
  <nav>${options.nav === "login" ? "" : html`
    ${link("overview", "/", "Overview")}
    ${link("runs", "/runs", "Runs")}
    ${link("alerts", "/alerts", "Price alerts")}
    ${options.queues ? html`<a href="/queues">Queues</a>` : ""}
    ${link("settings", "/settings", "Settings")}`}
  </nav>
  ${options.logout
    ? html`<form method="post" action="/logout" class="logout"><input type="hidden" name="csrf" value="${options.logout.csrf}"><button type="submit" class="link">Log out</button></form>`
    : ""}
</header>
<main>
${body}
</main>
</body>
</html>`;
}

/** Previous / next links for a page of rows, keeping the other query parameters. */
export function pager(page: Page<unknown>, base: string, params: Record<string, string | undefined>, name = "page"): Html {
  if (page.page <= 1 && !page.hasMore) return html``;
  const href = (n: number) => `${base}${query({ ...params, [name]: n > 1 ? n : undefined })}`;
  return html`<nav class="pager" aria-label="pages">
    ${page.page > 1 ? html`<a rel="prev" href="${href(page.page - 1)}">← Newer</a>` : html`<span class="muted">← Newer</span>`}
    <span>page ${page.page}</span>
    ${page.hasMore ? html`<a rel="next" href="${href(page.page + 1)}">Older →</a>` : html`<span class="muted">Older →</span>`}
  </nav>`;
}

export function pageNumber(value: string | undefined): number {
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 && n <= 100_000 ? n : 1;
}

export const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#6f4e37"/>' +
  '<ellipse cx="16" cy="16" rx="8" ry="11" fill="#f3e9df" transform="rotate(30 16 16)"/>' +
  '<path d="M12 7c6 5 2 13 8 18" stroke="#6f4e37" stroke-width="2" fill="none" transform="rotate(30 16 16)"/></svg>';

export const STYLESHEET = `
:root { --bg:#f6f5f2; --card:#fff; --ink:#1d1b18; --muted:#6b665e; --line:#e4e0d8; --brand:#6f4e37;
  --ok:#2e7d4f; --partial:#c98a12; --fail:#c0392b; --never:#8a8a8a; --robots:#7b5ea7; --accent:#2f6f9f; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color:var(--ink); background:var(--bg); }
a { color:var(--accent); text-decoration:none; } a:hover { text-decoration:underline; }
header.top { display:flex; align-items:center; gap:24px; padding:10px 24px; background:#2b211b; color:#fff; }
header.top .brand { color:#fff; font-weight:700; font-size:16px; }
header.top nav { display:flex; gap:4px; flex:1; }
header.top nav a { color:#e9dfd6; padding:6px 10px; border-radius:6px; }
header.top nav a.active, header.top nav a:hover { background:#4a3a2f; color:#fff; text-decoration:none; }
header.top .logout button { color:#e9dfd6; }
main { max-width:1200px; margin:0 auto; padding:20px 24px 48px; }
h1 { font-size:22px; margin:4px 0 12px; } h2 { font-size:16px; margin:0 0 10px; }
.sub { color:var(--muted); margin:0 0 16px; }
.muted { color:var(--muted); }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:16px 18px; margin:0 0 16px; }
.grid2 { display:grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap:16px; align-items:start; }
.tiles.compact { grid-template-columns: repeat(4, 1fr); gap:8px; } .tiles.compact .tile { padding:8px 10px; } .tiles.compact .n { font-size:20px; }
.tiles { display:grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap:12px; margin-bottom:16px; }
.tile { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:12px 14px; }
.tile .n { font-size:24px; font-weight:650; } .tile .l { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
.tile a { color:inherit; }
.tile.failing .n { color:var(--fail); } .tile.partial .n { color:var(--partial); } .tile.ok .n { color:var(--ok); }
.tile.robots .n { color:var(--robots); } .tile.never .n { color:var(--never); }
table { width:100%; border-collapse:collapse; }
th, td { text-align:left; padding:7px 8px; border-bottom:1px solid var(--line); vertical-align:baseline; }
th { font-size:12px; color:var(--muted); font-weight:600; text-transform:uppercase; letter-spacing:.03em; }
td.num, th.num { text-align:right; font-variant-numeric: tabular-nums; white-space:nowrap; }
.nowrap { white-space:nowrap; }
tr:last-child td { border-bottom:none; }
.badge { display:inline-block; padding:1px 8px; border-radius:999px; font-size:12px; font-weight:600; color:#fff; background:var(--never); white-space:nowrap; }
.st-ok { background:var(--ok); } .st-partial { background:var(--partial); } .st-fail, .st-failing, .st-failed { background:var(--fail); }
.st-never { background:var(--never); } .st-robots { background:var(--robots); } .st-running, .st-active { background:var(--accent); }
.st-waiting, .st-delayed { background:#5d6d7e; } .st-completed { background:var(--ok); } .st-inactive { background:#aaa; }
.err { color:var(--fail); } .small { font-size:12px; }
.wrap { overflow-wrap:anywhere; }
dl.kv { display:grid; grid-template-columns: max-content 1fr; gap:4px 16px; margin:0; }
dl.kv dt { color:var(--muted); } dl.kv dd { margin:0; overflow-wrap:anywhere; }
form.inline { display:inline; }
button { font:inherit; cursor:pointer; border-radius:6px; border:1px solid var(--brand); background:var(--brand); color:#fff; padding:6px 12px; }
button.secondary { background:#fff; color:var(--brand); }
button:disabled { opacity:.5; cursor:not-allowed; }
button.link { background:none; border:none; padding:0; color:var(--accent); }
.actions { display:flex; gap:8px; align-items:center; flex-wrap:wrap; }
.flash { padding:10px 14px; border-radius:8px; background:#e8f3ec; border:1px solid #b9dcc6; margin-bottom:16px; }
.flash.warn { background:#fdf3e1; border-color:#efd49b; }
.filters { display:flex; gap:10px; align-items:end; flex-wrap:wrap; margin-bottom:12px; }
.filters label { display:flex; flex-direction:column; font-size:12px; color:var(--muted); gap:2px; }
select, input[type=text], input[type=password], input[type=search] { font:inherit; padding:5px 8px; border:1px solid var(--line); border-radius:6px; background:#fff; }
.pager { display:flex; gap:16px; justify-content:center; padding:10px 0 0; }
.chart { width:100%; height:auto; display:block; }
.chart .grid { stroke:#ece8e1; stroke-width:1; }
.chart .axis { fill:var(--muted); font-size:12px; }
.chart .hit { fill:transparent; } .chart .day:hover .hit { fill:#f3efe8; }
.chart .bar.ok { fill:var(--ok); } .chart .bar.partial { fill:var(--partial); } .chart .bar.fail { fill:var(--fail); }
.chart .line { fill:none; stroke:var(--brand); stroke-width:2; }
.chart .pt { fill:#fff; stroke:var(--brand); stroke-width:2; } .chart .pt.sale { stroke:var(--fail); }
.legend { display:flex; gap:14px; font-size:12px; color:var(--muted); }
.legend i.k-ok { background:var(--ok); } .legend i.k-partial { background:var(--partial); } .legend i.k-fail { background:var(--fail); }
.legend i { display:inline-block; width:10px; height:10px; border-radius:2px; margin-right:4px; vertical-align:-1px; }
.charts { display:grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap:14px; }
.charts figure { margin:0; border:1px solid var(--line); border-radius:8px; padding:8px 10px; }
.charts figcaption { font-weight:600; margin-bottom:2px; } .charts figcaption div { font-weight:400; margin-top:2px; }
pre { background:#faf8f4; border:1px solid var(--line); border-radius:6px; padding:10px; overflow:auto; font-size:12px; }
.login { max-width:380px; margin:60px auto; }
.login form { display:flex; flex-direction:column; gap:10px; }
.login label { display:flex; flex-direction:column; gap:3px; font-size:13px; color:var(--muted); }
`;
