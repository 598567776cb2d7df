import type { Context } from "hono";
import { Hono } from "hono";
import type { Clock } from "../core/clock.ts";
import type { Settings } from "../config/settings.ts";
import { artifactById } from "../db/dashboard/runs.ts";
import type { Queryable } from "../db/database.ts";
import { C0_CONTROLS } from "../core/control-characters.ts";
import { coerceError } from "../core/errors.ts";
import type { Logger } from "../core/logger.ts";
import type { Metrics } from "../metrics/metrics.ts";
import { operationsRoutes } from "../metrics/routes.ts";
import type { ArtifactStore } from "../pipeline/artifacts/store.ts";
import type { QueueBackend } from "../queue/backend.ts";
import { enqueueRoasters, UnknownRoastersError } from "../queue/enqueue.ts";
import { isJobMode, jobTypeOf } from "../core/job-kinds.ts";
import {
  accessMiddleware,
  checkPassword,
  checkToken,
  clientAddress,
  csrfToken,
  endSession,
  guardWrites,
  refuse,
  safeNext,
  sameOriginWrites,
  startSession,
  validCsrf,
  type AccessPolicy,
} from "./access.ts";
import { BULL_BOARD_PATH, mountBullBoard } from "./bull-board.ts";
import { html, type Html } from "./html.ts";
import { FAVICON, layout, pageNumber, STYLESHEET, type LayoutOptions } from "./layout.ts";
import { alertsPage } from "./pages/alerts.ts";
import { coffeePage } from "./pages/coffee.ts";
import { NO_QUEUE_HERE, type PageContext } from "./pages/context.ts";
import { loginPage } from "./pages/login.ts";
import { overviewPage, parseHealth } from "./pages/overview.ts";
import { roasterPage } from "./pages/roaster.ts";
import { parseRunFilter, runPage, runsPage } from "./pages/runs.ts";
import { settingsPage } from "./pages/settings.ts";
import { sleep } from "../core/timers.ts";

// The dashboard's routes. Pages are rendered on the server from the database (and the
// queue's counts); the only writes are the enqueue buttons (POST + CSRF token).

export interface DashboardDeps {
  settings: Settings;
  db: Queryable & { engine: "postgres" | "pglite" };
  /** The queue jobs run from, or null when this process cannot see it (embedded queue elsewhere). */
  queue: QueueBackend | null;
  log: Logger;
  clock: Clock;
  metrics: Metrics;
  artifacts: ArtifactStore;
}

const CSP =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const BULL_BOARD_CSP = "frame-ancestors 'none'";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SLUG = /^[a-z0-9][a-z0-9-]{0,99}$/;

/** A query string whose values carry control characters (NUL, ESC…): no page takes them. */
function oddQuery(url: string): boolean {
  const query = url.indexOf("?");
  if (query < 0) return false;
  for (const [key, value] of new URLSearchParams(url.slice(query + 1))) {
    if (C0_CONTROLS.test(key + value)) return true;
  }
  return false;
}

export async function createDashboardApp(deps: DashboardDeps, policy: AccessPolicy): Promise<{ app: Hono; close(): Promise<void> }> {
  const { db, queue, log, settings } = deps;
  const app = new Hono();
  const bullBoard = Boolean(settings.REDIS_URL && queue?.kind === "bullmq");

  app.use("*", async (c, next) => {
    await next();
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Referrer-Policy", "same-origin");
    c.header("X-Frame-Options", "DENY");
    if (!c.res.headers.has("Content-Security-Policy")) {
      // Bull Board brings its own scripts and styles: it keeps them, but nobody may frame it either.
      c.header("Content-Security-Policy", c.req.path.startsWith(BULL_BOARD_PATH) ? BULL_BOARD_CSP : CSP);
    }
  });
  app.use("*", guardWrites({ formsExcept: BULL_BOARD_PATH }));
  app.use("*", async (c, next) => (oddQuery(c.req.url) ? c.text("bad query string: control characters are not allowed", 400) : next()));
  app.use("*", accessMiddleware(policy));
  app.route("/", operationsRoutes({ metrics: deps.metrics, db, queue }));

  const ctxOf = (c: Context): PageContext => ({ db, queue, settings, now: deps.clock.now(), csrf: csrfToken(c, policy) });
  const render = (c: Context, options: Omit<LayoutOptions, "queues" | "logout">, body: Html, status: 200 | 404 = 200) => {
    const csrf = csrfToken(c, policy);
    c.header("Cache-Control", "no-store");
    return c.html(layout({ ...options, queues: bullBoard, logout: policy.authRequired && options.nav !== "login" ? { csrf } : null }, body).value, status);
  };
  const notFound = (c: Context, what: string) =>
    render(c, { title: "Not found", nav: "none" }, html`<h1>Not found</h1><p>${what}</p><p><a href="/">Overview</a></p>`, 404);

  app.get("/assets/dashboard.css", (c) =>
    c.body(STYLESHEET, 200, { "Content-Type": "text/css; charset=utf-8", "Cache-Control": "public, max-age=3600" }),
  );

  app.get("/assets/favicon.svg", (c) =>
    c.body(FAVICON, 200, { "Content-Type": "image/svg+xml", "Cache-Control": "public, max-age=86400" }),
  );

  // --- sign-in ---
  app.get("/login", (c) => {
    if (!policy.authRequired) return c.redirect("/", 303);
    const body = loginPage({
      token: Boolean(policy.token),
      basic: Boolean(policy.basic),
      next: safeNext(c.req.query("next")),
      csrf: csrfToken(c, policy),
      failed: c.req.query("failed") === "1",
    });
    return render(c, { title: "Sign in", nav: "login" }, body);
  });
  app.post("/login", async (c) => {
    if (!policy.authRequired) return c.redirect("/", 303);
    const address = clientAddress(c);
    const waitMs = policy.signIns.retryAfterMs(address);
    if (waitMs > 0) {
      c.header("Retry-After", String(Math.ceil(waitMs / 1000)));
      return refuse(c, 429, "too many failed sign-ins from this address: try again later");
    }
    const form = await c.req.parseBody();
    const next = safeNext(typeof form.next === "string" ? form.next : "/");
    if (!validCsrf(c, policy, form.csrf)) return c.text("invalid or missing CSRF token: reload the sign-in page", 403);
    const ok =
      (typeof form.token === "string" && form.token !== "" && checkToken(policy, form.token)) ||
      (typeof form.user === "string" && typeof form.password === "string" && checkPassword(policy, form.user, form.password));
    if (!ok) {
      const failures = policy.signIns.fail(address);
      // One line per failure up to the limit, then one saying the address is held off: no flood.
      if (failures <= policy.signIns.limit) {
        log.warn({ address, failures, limit: policy.signIns.limit }, failures < policy.signIns.limit ? "dashboard sign-in failed" : "dashboard sign-in failed; further attempts from this address are refused for a while");
      }
      await sleep(400);
      return c.redirect(`/login?failed=1&next=${encodeURIComponent(next)}`, 303);
    }
    log.info({ address }, "dashboard sign-in");
    startSession(c, policy);
    return c.redirect(next, 303);
  });
  app.post("/logout", async (c) => {
    const form = await c.req.parseBody();
    if (!validCsrf(c, policy, form.csrf)) return c.text("invalid or missing CSRF token", 403);
    endSession(c, policy);
    return c.redirect(policy.authRequired ? "/login" : "/", 303);
  });

  // --- pages ---
  app.get("/", async (c) => {
    const search = c.req.query("q")?.trim().slice(0, 100) || undefined;
    const health = parseHealth(c.req.query("health"));
    const body = await overviewPage(ctxOf(c), { page: pageNumber(c.req.query("page")), ...(health ? { health } : {}), ...(search ? { search } : {}) });
    return render(c, { title: "Overview", nav: "overview" }, body);
  });

  app.get("/roasters/:slug", async (c) => {
    const slug = c.req.param("slug");
    if (!SLUG.test(slug)) return notFound(c, "No such roaster.");
    const job = c.req.query("job");
    const result = await roasterPage(ctxOf(c), {
      slug,
      page: pageNumber(c.req.query("page")),
      runsPage: pageNumber(c.req.query("runs_page")),
      job: job && /^[A-Za-z0-9._-]{1,200}$/.test(job) ? job : undefined,
      enqueued: c.req.query("enqueued"),
    });
    if (!result) return notFound(c, `No roaster with slug “${slug}”.`);
    return render(c, { title: result.title, nav: "overview", ...(result.refresh ? { refreshSeconds: 2 } : {}) }, result.body);
  });

  app.post("/roasters/:slug/enqueue", async (c) => {
    const slug = c.req.param("slug");
    const form = await c.req.parseBody();
    if (!validCsrf(c, policy, form.csrf)) return c.text("invalid or missing CSRF token: reload the page and try again", 403);
    if (!queue) return c.text(NO_QUEUE_HERE, 409);
    const type = isJobMode(form.type) ? jobTypeOf(form.type) : undefined;
    if (!type || !SLUG.test(slug)) return c.text("type must be full or price", 400);
    try {
      const [result] = await enqueueRoasters({ db, queue, clock: deps.clock }, { roasters: [slug], type, reason: "dashboard" });
      log.info({ roaster: slug, type, jobId: result!.id, added: result!.added }, "job enqueued from the dashboard");
      return c.redirect(`/roasters/${encodeURIComponent(slug)}?job=${encodeURIComponent(result!.id)}&enqueued=${result!.added ? 1 : 0}`, 303);
    } catch (err) {
      if (err instanceof UnknownRoastersError) return c.text(err.message, 409);
      throw err;
    }
  });

  app.get("/coffees/:id", async (c) => {
    const id = c.req.param("id");
    const result = UUID.test(id) ? await coffeePage(ctxOf(c), { id, page: pageNumber(c.req.query("page")) }) : null;
    if (!result) return notFound(c, "No such coffee.");
    return render(c, { title: result.title, nav: "overview" }, result.body);
  });

  app.get("/runs", async (c) => {
    const filter = parseRunFilter({ roaster: c.req.query("roaster"), status: c.req.query("status"), type: c.req.query("type") });
    return render(c, { title: "Runs", nav: "runs" }, await runsPage(ctxOf(c), filter, pageNumber(c.req.query("page"))));
  });

  app.get("/runs/:id", async (c) => {
    const id = c.req.param("id");
    const result = UUID.test(id) ? await runPage(ctxOf(c), { id, page: pageNumber(c.req.query("page")) }) : null;
    if (!result) return notFound(c, "No such run.");
    return render(c, { title: result.title, nav: "runs" }, result.body);
  });

  // A stored raw response, as plain text in a sandbox: it is a third party's content.
  app.get("/runs/:id/artifacts/:artifact", async (c) => {
    const { id, artifact } = c.req.param();
    const row = UUID.test(id) && UUID.test(artifact) ? await artifactById(db, id, artifact) : null;
    if (!row || !row.saved_html_path) return notFound(c, "No such stored page.");
    let body: Buffer;
    try {
      body = await deps.artifacts.get(row.saved_html_path);
    } catch {
      return c.text("This page's body is no longer stored (artifacts are pruned after ARTIFACTS_RETENTION_DAYS).", 410);
    }
    return c.body(new Uint8Array(body), 200, {
      "Content-Type": "text/plain; charset=utf-8",
      "Content-Security-Policy": "sandbox; default-src 'none'",
      "Content-Disposition": "inline",
    });
  });

  app.get("/alerts", async (c) => {
    const roaster = c.req.query("roaster")?.trim();
    const body = await alertsPage(ctxOf(c), { roaster: roaster && SLUG.test(roaster) ? roaster : undefined, page: pageNumber(c.req.query("page")) });
    return render(c, { title: "Price alerts", nav: "alerts" }, body);
  });

  app.get("/settings", (c) => {
    const info = { engine: db.engine === "postgres" ? "PostgreSQL" : "embedded (PGlite)", queue: queue ? queue.kind : "not visible from this process" };
    return render(c, { title: "Settings", nav: "settings" }, settingsPage(ctxOf(c), info));
  });

  let closeBullBoard: (() => Promise<void>) | null = null;
  if (bullBoard) {
    app.use(`${BULL_BOARD_PATH}/*`, sameOriginWrites());
    app.use(BULL_BOARD_PATH, sameOriginWrites());
    closeBullBoard = await mountBullBoard(app, settings, log);
  }

  app.notFound((c) => notFound(c, "There is no page here."));
  app.onError((err, c) => {
    log.error({ err: coerceError(err), path: c.req.path }, "dashboard page failed");
    return c.html(
      layout({ title: "Error", nav: "none" }, html`<h1>Something went wrong</h1><p>The error was logged. <a href="/">Back to the overview</a></p>`).value,
      500,
    );
  });

  return {
    app,
    async close() {
      await closeBullBoard?.();
    },
  };
}
