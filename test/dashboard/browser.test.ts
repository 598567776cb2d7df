import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDashboard, type Dashboard } from "../../src/dashboard/server.ts";
import type { QueueBackend } from "../../src/queue/backend.ts";
import { openQueue } from "../../src/queue/open-queue.ts";
import { startWorker } from "../../src/worker/worker.ts";
import { IN_CI, POSTGRES_URL, useTestDatabase } from "../helpers/database.ts";
import { captureLogger } from "../helpers/logs.ts";
import { parsePrometheusText } from "../helpers/prometheus.ts";
import { HOSTILE_TITLE_PART, seedFromFixtures, type Seeded } from "./seed.ts";

// The dashboard in a real browser (playwright-core driving Debian's Chromium) over a
// database filled by scraping the fixture stores: every page renders with no console
// errors, the price charts have a point per price row, "Enqueue full run" puts a job on the
// queue that a worker completes, and /metrics counts what happened. Screenshots go to
// test-artifacts/dashboard/.

const CHROMIUM = "/usr/bin/chromium";
const SHOTS = path.resolve("test-artifacts/dashboard");
if (IN_CI && !existsSync(CHROMIUM)) throw new Error(`CI=true but ${CHROMIUM} is missing: .ci/browser installs it`);

// PostgreSQL when there is one (what production runs), else PGlite.
const engine = POSTGRES_URL ? "postgres" : "pglite";

describe.skipIf(!existsSync(CHROMIUM))(`dashboard in Chromium on ${engine}`, () => {
  const database = useTestDatabase(engine);
  const { log, lines } = captureLogger();
  let seeded: Seeded;
  let queue: QueueBackend;
  let dashboard: Dashboard;
  let browser: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const userDataDir = mkdtempSync(path.join(tmpdir(), "cs-chromium-"));

  beforeAll(async () => {
    seeded = await seedFromFixtures(database().db, log);
    queue = await openQueue(seeded.settings, log); // embedded: this process's queue, as inside `start`
    dashboard = await startDashboard({
      settings: seeded.settings,
      db: database().db,
      queue,
      log,
      clock: seeded.deps.clock,
      metrics: seeded.deps.metrics,
      artifacts: seeded.deps.artifacts,
    });
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      viewport: { width: 1280, height: 900 },
    });
    page = await browser.newPage();
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`${page.url()}: console ${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (err) => problems.push(`${page.url()}: page error: ${err.message}`));
    page.on("dialog", (d) => {
      problems.push(`${page.url()}: dialog: ${d.message()}`);
      void d.dismiss();
    });
    page.on("response", (r) => {
      if (r.status() >= 400) problems.push(`${r.url()}: HTTP ${r.status()}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(userDataDir, { recursive: true, force: true });
    await dashboard?.close();
    await queue?.close();
    await seeded?.close();
  });

  async function visit(url: string, shot: string): Promise<void> {
    const before = problems.length;
    const response = await page.goto(`${dashboard.url}${url}`);
    expect(response?.status(), url).toBe(200);
    await page.screenshot({ path: path.join(SHOTS, `${shot}.png`), fullPage: true });
    expect(problems.slice(before), `problems on ${url}`).toEqual([]);
  }

  const one = async <T>(sql: string, params: unknown[] = []) => (await database().db.query<T>(sql, params))[0]!;

  it("renders the overview with health, totals, the runs chart and the queue", async () => {
    await visit("/", "overview");
    const health = async (h: string) => Number(await page.locator(`.tile.${h} .n`).first().textContent());
    expect(await health("ok")).toBe(2);
    expect(await health("robots")).toBe(1);
    expect(await health("never")).toBe(1);
    const totals = await one<{ coffees: number; variants: number }>(
      "SELECT (SELECT count(*)::int FROM coffees WHERE is_coffee) AS coffees, (SELECT count(*)::int FROM variants) AS variants",
    );
    const tiles = page.locator('section[aria-label="totals"] .tile .n');
    expect(await tiles.nth(0).textContent()).toBe(totals.coffees.toLocaleString("en-US"));
    expect(await tiles.nth(1).textContent()).toBe(totals.variants.toLocaleString("en-US"));
    expect(Number(await tiles.nth(3).textContent())).toBeGreaterThan(0); // the alert raised by the price run
    // Price changes: price rows that are not a variant's first (the seed raised one price).
    const changes = await one<{ n: number }>(
      `SELECT count(*)::int AS n FROM prices p WHERE p.scraped_at >= now() - interval '7 days'
          AND EXISTS (SELECT 1 FROM prices q WHERE q.variant_id = p.variant_id AND q.scraped_at < p.scraped_at)`,
    );
    expect(changes.n).toBe(1);
    expect(Number(await tiles.nth(2).textContent())).toBe(changes.n);
    const text = await page.locator("main").innerText();
    // Today's bar holds every run made above.
    const runs = await one<{ n: number }>("SELECT count(*)::int AS n FROM coffee_scraper.runs");
    const today = new Date().toISOString().slice(0, 10);
    expect(await page.locator(`svg.runs-chart g.day[data-day="${today}"]`).getAttribute("data-total")).toBe(String(runs.n));
    expect(await page.locator("svg.runs-chart rect.bar").count()).toBeGreaterThan(0);
    // The roaster with markup in its name is shown as text.
    expect(text).toContain("Baba's Beans & <Co>");
    await visit("/?health=robots", "overview-robots");
    expect(await page.locator("tbody tr").count()).toBe(1);
    expect(await page.locator("tbody").innerText()).toContain("Closed Shop");
  });

  it("renders a coffee's variants and a price chart with a point per price row", async () => {
    const changed = await one<{ coffee_id: string }>(
      `SELECT v.coffee_id FROM variants v WHERE (SELECT count(*) FROM prices p WHERE p.variant_id = v.id) = 2 LIMIT 1`,
    );
    await visit(`/coffees/${changed.coffee_id}`, "coffee");
    const variants = await database().db.query<{ id: string; weight_g: number | null; price_current: number; rows: number }>(
      `SELECT v.id, v.weight_g, v.price_current, (SELECT count(*)::int FROM prices p WHERE p.variant_id = v.id) AS rows
         FROM variants v WHERE v.coffee_id = $1`,
      [changed.coffee_id],
    );
    expect(variants.length).toBeGreaterThan(0);
    for (const v of variants) {
      expect(await page.locator(`svg.price-chart g.series[data-variant="${v.id}"] circle.pt`).count(), v.id).toBe(v.rows);
      const per100 = await page.locator(`tr[data-variant="${v.id}"] td[data-per100]`).getAttribute("data-per100");
      expect(per100).toBe(v.weight_g ? ((v.price_current / v.weight_g) * 100).toFixed(2) : "");
    }
    expect(variants.some((v) => v.rows === 2)).toBe(true);
    // Every variant of every coffee gets a chart: check a Shopify coffee too.
    const shopifyCoffee = await one<{ id: string; n: number }>(
      `SELECT c.id, count(v.id)::int AS n FROM coffees c JOIN roasters r ON r.id = c.roaster_id JOIN variants v ON v.coffee_id = c.id
        WHERE r.slug = 'blue-tokai' GROUP BY c.id ORDER BY count(v.id) DESC LIMIT 1`,
    );
    await visit(`/coffees/${shopifyCoffee.id}`, "coffee-shopify");
    expect(await page.locator("svg.price-chart g.series circle.pt").count()).toBe(shopifyCoffee.n);
    expect(await page.locator("svg.price-chart g.series").count()).toBe(shopifyCoffee.n);
  });

  it("shows third-party markup as text, never as markup", async () => {
    const hostile = await one<{ id: string; name: string }>(`SELECT id, name FROM coffees WHERE name LIKE '%onerror%'`);
    await visit(`/coffees/${hostile.id}`, "coffee-hostile-name");
    expect(await page.locator("main img").count()).toBe(0);
    expect(await page.title()).not.toBe("pwned");
    expect(await page.locator("h1").innerText()).toContain(HOSTILE_TITLE_PART.slice(0, 10));
  });

  it("filters runs, and a run's page shows its stats, errors and stored pages", async () => {
    await visit("/runs", "runs");
    const all = await one<{ n: number }>("SELECT count(*)::int AS n FROM coffee_scraper.runs");
    expect(await page.locator("main tbody tr").count()).toBe(all.n);
    await visit("/runs?status=fail", "runs-failed");
    expect(await page.locator("main tbody tr").count()).toBe(1);
    expect(await page.locator("main tbody").innerText()).toContain("Closed Shop");
    await visit("/runs?roaster=babas-beans&type=price_only", "runs-filtered");
    expect(await page.locator("main tbody tr").count()).toBe(1);

    const run = await one<{ id: string; artifacts: number; prices: number }>(
      `SELECT r.id, (SELECT count(*)::int FROM scrape_artifacts a WHERE a.run_id = r.id) AS artifacts,
              (r.stats_json->>'prices_inserted')::int AS prices
         FROM coffee_scraper.runs r WHERE r.job_type = 'full_refresh' AND r.status = 'ok' ORDER BY r.started_at LIMIT 1`,
    );
    await visit(`/runs/${run.id}`, "run");
    expect(run.artifacts).toBeGreaterThan(0);
    expect(await page.locator("#artifacts tbody tr").count()).toBe(Math.min(run.artifacts, 50));
    expect(await page.locator('#stats tr[data-stat="prices_inserted"] td.num').innerText()).toBe(run.prices.toLocaleString("en-US"));
    const raw = await page.request.get(`${dashboard.url}${await page.locator("#artifacts a", { hasText: "view" }).first().getAttribute("href")}`);
    expect(raw.status()).toBe(200);
    expect(raw.headers()["content-type"]).toContain("text/plain");
    expect(raw.headers()["content-security-policy"]).toContain("sandbox");

    const failed = await one<{ id: string }>(`SELECT id FROM coffee_scraper.runs WHERE status = 'fail'`);
    await visit(`/runs/${failed.id}`, "run-failed");
    expect(await page.locator("#errors").innerText()).toMatch(/robots/i);
  });

  it("lists price alerts newest first, and shows settings without secrets", async () => {
    await visit("/alerts", "alerts");
    const alerts = await one<{ n: number }>("SELECT count(*)::int AS n FROM coffee_scraper.price_alerts");
    expect(alerts.n).toBeGreaterThan(0);
    expect(await page.locator("main tbody tr").count()).toBe(alerts.n);
    await visit("/settings", "settings");
    expect(await page.locator("main").innerText()).toContain("DASHBOARD_HOST");
  });

  it("off loopback with a token: refuses the anonymous browser, signs in through the form", async () => {
    const token = "browser-test-token-0123456789";
    const guarded = await startDashboard({
      settings: { ...seeded.settings, DASHBOARD_HOST: "127.0.0.2", DASHBOARD_TOKEN: token },
      db: database().db,
      queue,
      log,
      clock: seeded.deps.clock,
      artifacts: seeded.deps.artifacts,
    });
    try {
      const anonymous = await page.request.get(`${guarded.url}/runs`, { maxRedirects: 0, headers: { accept: "application/json" } });
      expect(anonymous.status()).toBe(401);
      const before = problems.length;
      await page.goto(`${guarded.url}/alerts`);
      expect(new URL(page.url()).pathname).toBe("/login");
      await page.screenshot({ path: path.join(SHOTS, "login.png"), fullPage: true });
      await page.getByLabel(/Access token/).fill("not the token");
      await page.getByRole("button", { name: "Sign in" }).click();
      expect(await page.locator(".err").innerText()).toContain("not right");
      await page.getByLabel(/Access token/).fill(token);
      await page.getByRole("button", { name: "Sign in" }).click();
      expect(new URL(page.url()).pathname).toBe("/alerts");
      expect(await page.locator("h1").innerText()).toBe("Price alerts");
      expect(await page.content()).not.toContain(token);
      expect(problems.slice(before)).toEqual([]);
    } finally {
      await guarded.close();
    }
  });

  it("enqueues a full run from the roaster page; a worker completes it and /metrics counts it", async () => {
    await visit("/roasters/babas-beans", "roaster");
    expect(await page.locator("#coffees tbody tr").count()).toBeGreaterThan(0);
    await page.getByRole("button", { name: "Enqueue full run" }).click();
    await page.waitForSelector("#job");
    const jobId = (await page.locator("#job").getAttribute("data-job-id"))!;
    expect(jobId).toMatch(/^full_refresh\.babas-beans\.manual/);
    expect(await page.locator("#job").getAttribute("data-job-state")).toBe("waiting");
    expect(await queue.stateOf(jobId)).toBe("waiting");
    await page.screenshot({ path: path.join(SHOTS, "roaster-enqueued.png"), fullPage: true });

    const worker = startWorker({ deps: seeded.deps, queue, concurrency: 1 });
    try {
      // The page refreshes itself while the job is queued or running.
      await page.waitForSelector('#job[data-job-state="completed"]', { timeout: 20_000 });
    } catch (err) {
      console.log(JSON.stringify(lines.filter((l) => l.jobId === jobId), null, 1), page.url(), await page.locator("#job").innerHTML());
      throw err;
    } finally {
      await worker.close({ timeoutMs: 10_000 });
    }
    await expect.poll(() => page.locator("#job a[data-run-status]").count()).toBe(1);
    expect(await page.locator("#job a[data-run-status]").getAttribute("data-run-status")).toBe("ok");
    await page.screenshot({ path: path.join(SHOTS, "roaster-job-completed.png"), fullPage: true });
    expect(problems).toEqual([]);

    const run = await one<{ status: string; stats: Record<string, number> & { http_statuses: Record<string, number> } }>(
      "SELECT status::text AS status, stats_json AS stats FROM coffee_scraper.runs WHERE job_id = $1",
      [jobId],
    );
    const res = await fetch(`${dashboard.url}/metrics`);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const m = parsePrometheusText(await res.text());
    expect(m.types.get("coffee_scraper_jobs_total")).toBe("counter");
    expect(m.value("coffee_scraper_jobs_total", { type: "full_refresh", outcome: "completed" })).toBe(1);
    expect(m.value("coffee_scraper_jobs_total", { type: "price_only", outcome: "completed" })).toBe(0);
    expect(m.value("coffee_scraper_job_duration_seconds_count", { type: "full_refresh", outcome: "completed" })).toBe(1);
    expect(m.value("coffee_scraper_runs_total", { type: "full_refresh", status: run.status })).toBe(1);
    expect(m.value("coffee_scraper_http_requests_total")).toBe(run.stats.requests);
    expect(m.value("coffee_scraper_http_bytes_total")).toBe(run.stats.bytes);
    expect(m.value("coffee_scraper_http_not_modified_total")).toBe(run.stats.not_modified_pages);
    expect(m.value("coffee_scraper_products_upserted_total")).toBe(run.stats.coffees_upserted);
    expect(m.value("coffee_scraper_variants_upserted_total")).toBe(run.stats.variants_upserted);
    expect(m.value("coffee_scraper_price_rows_inserted_total")).toBe(run.stats.prices_inserted);
    expect(m.value("coffee_scraper_price_alerts_total")).toBe(run.stats.price_alerts);
    for (const [status, n] of Object.entries(run.stats.http_statuses)) {
      expect(m.value("coffee_scraper_http_responses_total", { status })).toBe(n);
    }
    expect(m.value("coffee_scraper_queue_jobs", { state: "completed" })).toBe(1);
    expect(m.value("coffee_scraper_queue_jobs", { state: "waiting" })).toBe(0);
    expect(m.value("coffee_scraper_lease_conflicts_total")).toBe(0);
  }, 60_000);
});
