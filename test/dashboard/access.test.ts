import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeps } from "../../src/app/runtime.ts";
import { DashboardAccessError } from "../../src/dashboard/access.ts";
import { startDashboard, type Dashboard } from "../../src/dashboard/server.ts";
import { upsertRoaster } from "../../src/db/roasters.ts";
import type { QueueBackend } from "../../src/queue/backend.ts";
import { openQueue } from "../../src/queue/open-queue.ts";
import { useTestDatabase } from "../helpers/database.ts";
import { cookieHeaderOf } from "../helpers/http.ts";
import { captureLogger } from "../helpers/logs.ts";
import { seedSettings } from "./seed.ts";

// Who may reach the dashboard, over real HTTP: the refusal to serve a non-loopback address
// without credentials, bearer tokens, the login form and its session cookie, basic auth,
// the loopback Host check, CSRF on the enqueue button, and that no secret reaches a page.

const TOKEN = "tok-0123456789abcdef-SECRET";
const PASSWORD = "pw-correct-horse-battery";
const DB_PASSWORD = "db-s3cret-password";

const database = useTestDatabase("pglite");
const { log } = captureLogger();
let queue: QueueBackend;

beforeAll(async () => {
  await database().db.transaction((tx) =>
    upsertRoaster(tx, {
      slug: "roastery",
      name: "Roastery",
      website: "https://roastery.example",
      platform: "shopify",
      is_active: true,
      full_cadence: "0 3 1 * *",
      price_cadence: "0 4 * * 0",
      default_concurrency: 3,
      use_firecrawl_fallback: false,
      use_llm: false,
      alert_price_delta_pct: 10,
    }),
  );
  queue = await openQueue(seedSettings(), log);
});
afterAll(() => queue.close());

async function serve(env: Record<string, string | number | undefined>): Promise<Dashboard> {
  const settings = seedSettings(env);
  const deps = createDeps(settings, database().db, log);
  return startDashboard({ settings, db: database().db, queue, log, clock: deps.clock, artifacts: deps.artifacts });
}

/** The Set-Cookie pairs of a response, as a Cookie header. */
const cookiesOf = cookieHeaderOf;

describe("refusing to start", () => {
  it("will not serve a non-loopback address without credentials, and says what to set", async () => {
    for (const host of ["0.0.0.0", "127.0.0.2", "::"]) {
      const err = await serve({ DASHBOARD_HOST: host }).catch((e: unknown) => e);
      expect(err, host).toBeInstanceOf(DashboardAccessError);
      expect((err as Error).message).toMatch(/DASHBOARD_TOKEN/);
    }
  });

  it("will not take a user without a password", async () => {
    await expect(serve({ DASHBOARD_HOST: "127.0.0.2", DASHBOARD_USER: "ops" })).rejects.toThrow(/DASHBOARD_PASSWORD/);
  });
});

describe("with a token, bound off loopback (127.0.0.2)", () => {
  let dash: Dashboard;
  beforeAll(async () => {
    dash = await serve({ DASHBOARD_HOST: "127.0.0.2", DASHBOARD_TOKEN: TOKEN, DATABASE_URL: `postgres://app:${DB_PASSWORD}@db.example/x` });
    expect(dash.url).toMatch(/^http:\/\/127\.0\.0\.2:\d+$/);
  });
  afterAll(() => dash.close());

  it("refuses unauthenticated requests: pages go to the sign-in form, the rest get 401", async () => {
    const page = await fetch(`${dash.url}/runs?status=ok`, { headers: { accept: "text/html" }, redirect: "manual" });
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe(`/login?next=${encodeURIComponent("/runs?status=ok")}`);
    for (const path of ["/metrics", "/runs", "/settings", "/roasters/roastery"]) {
      const res = await fetch(`${dash.url}${path}`);
      expect(res.status, path).toBe(401);
      expect(await res.text()).not.toContain("Roastery");
    }
    const wrong = await fetch(`${dash.url}/`, { headers: { authorization: "Bearer not-the-token-at-all" } });
    expect(wrong.status).toBe(401);
  });

  it("lets health checks through without credentials", async () => {
    expect((await fetch(`${dash.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${dash.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, database: "ok", queue: "ok" });
  });

  it("accepts the bearer token", async () => {
    const res = await fetch(`${dash.url}/roasters/roastery`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Roastery");
  });

  it("signs in through the form (CSRF-checked) and keeps a session cookie", async () => {
    const form = await fetch(`${dash.url}/login?next=/alerts`);
    const cookie = cookiesOf(form);
    const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())![1]!;
    const post = (body: Record<string, string>, cookies = cookie) =>
      fetch(`${dash.url}/login`, {
        method: "POST",
        redirect: "manual",
        headers: { cookie: cookies, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(body),
      });
    expect((await post({ csrf: "forged", token: TOKEN, next: "/alerts" })).status).toBe(403);
    const bad = await post({ csrf, token: "wrong-token-wrong-token", next: "/alerts" });
    expect(bad.headers.get("location")).toMatch(/^\/login\?failed=1/);
    const good = await post({ csrf, token: TOKEN, next: "//evil.example/x" });
    expect(good.status).toBe(303);
    expect(good.headers.get("location")).toBe("/");
    const session = cookiesOf(good);
    expect(session).toMatch(/cs_session=/);
    expect(session).not.toContain(TOKEN);
    const alerts = await fetch(`${dash.url}/alerts`, { headers: { cookie: `${cookie}; ${session}` } });
    expect(alerts.status).toBe(200);
  });

  it("never renders a secret", async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    for (const path of ["/settings", "/", "/runs", "/alerts", "/roasters/roastery"]) {
      const text = await (await fetch(`${dash.url}${path}`, { headers: auth })).text();
      expect(text, path).not.toContain(TOKEN);
      expect(text, path).not.toContain(DB_PASSWORD);
    }
    const settings = await (await fetch(`${dash.url}/settings`, { headers: auth })).text();
    expect(settings).toContain("DASHBOARD_TOKEN");
    expect(settings).toContain("set (hidden)");
  });
});

describe("with basic auth", () => {
  let dash: Dashboard;
  beforeAll(async () => {
    dash = await serve({ DASHBOARD_HOST: "127.0.0.2", DASHBOARD_USER: "ops", DASHBOARD_PASSWORD: PASSWORD });
  });
  afterAll(() => dash.close());

  it("asks for credentials and accepts only the right ones", async () => {
    const none = await fetch(`${dash.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Basic/);
    const basic = (user: string, pw: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString("base64")}` });
    expect((await fetch(`${dash.url}/metrics`, { headers: basic("ops", "nope-nope-nope") })).status).toBe(401);
    expect((await fetch(`${dash.url}/metrics`, { headers: basic("root", PASSWORD) })).status).toBe(401);
    const ok = await fetch(`${dash.url}/metrics`, { headers: basic("ops", PASSWORD) });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("coffee_scraper_jobs_total");
  });
});

describe("on loopback without credentials", () => {
  let dash: Dashboard;
  beforeAll(async () => {
    dash = await serve({});
  });
  afterAll(() => dash.close());

  it("answers only under a loopback Host name (no DNS rebinding)", async () => {
    expect((await fetch(`${dash.url}/`)).status).toBe(200);
    const rebound = await new Promise<number>((resolve, reject) => {
      // fetch() will not send a foreign Host header; node:http will.
      void import("node:http").then(({ request }) => {
        const req = request(`${dash.url}/`, { headers: { host: "attacker.example" } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.end();
      });
    });
    expect(rebound).toBe(421);
  });

  it("enqueues only with a valid CSRF token from the same origin", async () => {
    const page = await fetch(`${dash.url}/roasters/roastery`);
    const cookie = cookiesOf(page);
    const html = await page.text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
    const post = (body: Record<string, string>, headers: Record<string, string> = {}) =>
      fetch(`${dash.url}/roasters/roastery/enqueue`, {
        method: "POST",
        redirect: "manual",
        headers: { cookie, "content-type": "application/x-www-form-urlencoded", ...headers },
        body: new URLSearchParams(body),
      });
    const before = await queue.counts();
    expect((await post({ type: "full" })).status).toBe(403);
    expect((await post({ type: "full", csrf: `${csrf}x` })).status).toBe(403);
    expect((await post({ type: "full", csrf }, { origin: "https://attacker.example" })).status).toBe(403);
    expect(await queue.counts()).toEqual(before);
    const ok = await post({ type: "price", csrf }, { origin: dash.url });
    expect(ok.status).toBe(303);
    const location = ok.headers.get("location")!;
    expect(location).toMatch(/^\/roasters\/roastery\?job=price_only\.roastery\.manual\d+T\d+Z&enqueued=1$/);
    const jobId = new URL(location, dash.url).searchParams.get("job")!;
    expect(await queue.stateOf(jobId)).toBe("waiting");
    // The same minute's slot again: a no-op, and the page says so.
    const again = await post({ type: "price", csrf });
    expect(again.headers.get("location")).toContain("enqueued=0");
    await queue.remove(jobId);
  });
});
