import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeps } from "../../src/app/runtime.ts";
import { safeNext } from "../../src/dashboard/access.ts";
import { startDashboard, type Dashboard } from "../../src/dashboard/server.ts";
import { useTestDatabase } from "../helpers/database.ts";
import { cookieHeaderOf } from "../helpers/http.ts";
import { captureLogger } from "../helpers/logs.ts";
import { seedSettings } from "./seed.ts";

// Sign-in sessions over real HTTP: held by the server (signing out revokes the cookie, even
// a copy of it; an expired one is refused), failed sign-ins throttled per client address and
// logged without what was typed, `next` kept on our own origin, and odd query strings
// answered without a 500.

const TOKEN = "sessions-token-0123456789abcdef";

const database = useTestDatabase("pglite");
const { log, lines } = captureLogger();

async function serve(env: Record<string, string | number | undefined>): Promise<Dashboard> {
  const settings = seedSettings({ DASHBOARD_TOKEN: TOKEN, ...env });
  const deps = createDeps(settings, database().db, log);
  return startDashboard({ settings, db: database().db, queue: null, log, clock: deps.clock, artifacts: deps.artifacts });
}

const cookiesOf = cookieHeaderOf;

/** A browser's sign-in: loads the form (CSRF cookie and token), posts it; returns its cookies and the answer. */
async function signIn(dash: Dashboard, token: string, next = "/"): Promise<{ res: Response; cookies: string }> {
  const form = await fetch(`${dash.url}/login`);
  const csrfCookie = cookiesOf(form);
  const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())![1]!;
  const res = await fetch(`${dash.url}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie: csrfCookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrf, token, next }),
  });
  const session = cookiesOf(res);
  return { res, cookies: session ? `${csrfCookie}; ${session}` : csrfCookie };
}

const page = (dash: Dashboard, path: string, cookies: string) => fetch(`${dash.url}${path}`, { headers: { cookie: cookies } });

describe("sessions", () => {
  let dash: Dashboard;
  let shortLived: Dashboard;
  beforeAll(async () => {
    dash = await serve({ DASHBOARD_SIGNIN_ATTEMPTS: 3 });
    shortLived = await serve({ DASHBOARD_SESSION_TTL_MS: 1500 });
  });
  afterAll(async () => {
    await dash?.close();
    await shortLived?.close();
  });

  it("signing out revokes the session on the server: the same cookie, replayed, is refused", async () => {
    const { res, cookies } = await signIn(dash, TOKEN);
    expect(res.status).toBe(303);
    expect((await page(dash, "/settings", cookies)).status).toBe(200);
    const settings = await (await page(dash, "/settings", cookies)).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(settings)![1]!;
    const out = await fetch(`${dash.url}/logout`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie: cookies, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrf }),
    });
    expect(out.status).toBe(303);
    // A copy of the cookie kept from before signing out no longer works.
    expect((await page(dash, "/settings", cookies)).status).toBe(401);
  });

  it("an expired session is refused, whatever the browser keeps", async () => {
    const { cookies } = await signIn(shortLived, TOKEN);
    expect((await page(shortLived, "/runs", cookies)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1700));
    expect((await page(shortLived, "/runs", cookies)).status).toBe(401);
  });

  it("failed sign-ins are throttled per client address and logged without what was typed", async () => {
    const before = lines.length;
    const wrong = ["wrong-token-aaaaaaaaaaaa", "wrong-token-bbbbbbbbbbbb", "wrong-token-cccccccccccc"];
    for (const token of wrong) {
      const { res } = await signIn(dash, token);
      expect(res.headers.get("location")).toMatch(/^\/login\?failed=1/);
    }
    // Over the limit (3): refused before the form is even read, the right token included.
    for (const token of ["wrong-token-dddddddddddd", TOKEN]) {
      const { res } = await signIn(dash, token);
      expect(res.status).toBe(429);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    const logged = lines.slice(before).filter((l) => String(l.msg).startsWith("dashboard sign-in failed"));
    expect(logged).toHaveLength(3);
    expect(logged[0]).toMatchObject({ address: "127.0.0.1", failures: 1 });
    expect(String(logged[2]!.msg)).toMatch(/refused for a while/);
    const text = JSON.stringify(lines.slice(before));
    for (const token of [...wrong, TOKEN]) expect(text).not.toContain(token);
  });

  it("`next` after sign-in lands on our own pages, whatever it says", async () => {
    const { res } = await signIn(shortLived, TOKEN, "/runs?status=fail");
    expect(res.headers.get("location")).toBe("/runs?status=fail");
    for (const next of ["/\t/evil.com", "//evil.com", "/\\evil.com", "https://evil.com", "/\\/evil.com", "/%09/evil.com", "\t//evil.com", "/ /evil.com"]) {
      const { res: r } = await signIn(shortLived, TOKEN, next);
      const location = r.headers.get("location")!;
      expect(new URL(location, shortLived.url).origin, JSON.stringify(next)).toBe(new URL(shortLived.url).origin);
      expect(location.startsWith("/") && !location.startsWith("//") && !location.startsWith("/\\"), location).toBe(true);
    }
    // The form carries `next` through: the link a redirect to /login builds is resolved the same way.
    expect(safeNext("/\t/evil.com")).toBe("/");
    expect(safeNext("/%09/evil.com")).toBe("/%09/evil.com");
  });
});

describe("odd query strings", () => {
  let dash: Dashboard;
  beforeAll(async () => {
    dash = await serve({ DASHBOARD_TOKEN: undefined });
  });
  afterAll(() => dash?.close());

  /** Raw request: fetch() would normalise some of these paths. */
  const get = (path: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request(`${dash.url}${path}`, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });

  it("answer a page or a 400, never a 500", async () => {
    const before = lines.filter((l) => l.msg === "dashboard page failed").length;
    const paths = [
      "/?q=%00",
      "/?q=abc%00def",
      "/?q=%1b%5b2J",
      "/?q=%ff%fe",
      "/?q=%ED%A0%80",
      "/?q=%",
      `/?q=${"x".repeat(5000)}`,
      "/?health=%00",
      "/?page=%00",
      "/?page=-1e309",
      "/runs?roaster=%00&status=%00&type=%00",
      "/runs?page=99999999999999999999",
      "/alerts?roaster=%00",
      "/roasters/%00",
      "/roasters/x?job=%00&page=%00",
      "/coffees/%00",
      "/runs/%00/artifacts/%00",
    ];
    for (const path of paths) {
      expect([200, 400, 404], path).toContain(await get(path));
    }
    expect(await get("/?q=%00")).toBe(400);
    expect(lines.filter((l) => l.msg === "dashboard page failed").length).toBe(before);
  });
});
