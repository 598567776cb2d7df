import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { Settings } from "../config/settings.ts";

// Who may use the dashboard.
// - Bound to loopback (127.0.0.1, ::1, localhost) with no credentials configured: open to
//   local users, and only under a loopback Host header (a DNS-rebinding page cannot reach it).
// - Credentials configured (DASHBOARD_TOKEN and/or DASHBOARD_USER + DASHBOARD_PASSWORD):
//   every page needs them, wherever it is bound. The token works as `Authorization: Bearer`
//   or through the login form (a session cookie derived from it); the user and password as
//   HTTP basic auth (or through the same form).
// - Bound anywhere else without credentials: refused at start (DashboardAccessError).
// Every POST carries a CSRF token bound to a per-browser cookie, and a cross-origin Origin
// header is refused.

export const LOOPBACK_HOSTS = ["127.0.0.1", "::1", "localhost"] as const;
const SESSION_COOKIE = "cs_session";
const CSRF_COOKIE = "cs_csrf";
const OPEN_PATHS = new Set(["/healthz", "/readyz", "/login", "/assets/dashboard.css", "/assets/favicon.svg"]);

export class DashboardAccessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DashboardAccessError";
  }
}

export interface AccessPolicy {
  host: string;
  token: string | null;
  basic: { user: string; password: string } | null;
  /** Credentials are configured: every request must present them. */
  authRequired: boolean;
  /** Signs CSRF tokens (random per process). */
  csrfKey: Buffer;
}

export function isLoopbackHost(host: string): boolean {
  return (LOOPBACK_HOSTS as readonly string[]).includes(host.replace(/^\[|\]$/g, "").toLowerCase());
}

/** The access policy for these settings; throws when the dashboard must not start. */
export function accessPolicy(settings: Settings): AccessPolicy {
  const host = settings.DASHBOARD_HOST;
  const user = settings.DASHBOARD_USER;
  const password = settings.DASHBOARD_PASSWORD;
  if (Boolean(user) !== Boolean(password)) {
    throw new DashboardAccessError("DASHBOARD_USER and DASHBOARD_PASSWORD go together: set both for basic auth, or neither");
  }
  const token = settings.DASHBOARD_TOKEN ?? null;
  const basic = user && password ? { user, password } : null;
  const authRequired = Boolean(token || basic);
  if (!authRequired && !isLoopbackHost(host)) {
    throw new DashboardAccessError(
      `refusing to serve the dashboard on DASHBOARD_HOST=${host} without authentication: ` +
        "set DASHBOARD_TOKEN (16+ characters) or DASHBOARD_USER and DASHBOARD_PASSWORD, or bind to 127.0.0.1",
    );
  }
  return { host, token, basic, authRequired, csrfKey: randomBytes(32) };
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The session cookie's value: derived from the credentials, so changing them ends every session. */
function sessionValue(policy: AccessPolicy): string {
  const secret = `${policy.token ?? ""}\n${policy.basic ? `${policy.basic.user}:${policy.basic.password}` : ""}`;
  return createHmac("sha256", secret).update("coffee-scraper dashboard session v1").digest("base64url");
}

/** Whether the request carries valid credentials (header or session cookie). */
export function authenticated(c: Context, policy: AccessPolicy): boolean {
  if (!policy.authRequired) return true;
  const header = c.req.header("authorization") ?? "";
  const [scheme, value = ""] = header.split(/\s+/, 2);
  if (policy.token && scheme?.toLowerCase() === "bearer" && same(value, policy.token)) return true;
  if (policy.basic && scheme?.toLowerCase() === "basic") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const i = decoded.indexOf(":");
    if (i >= 0 && checkPassword(policy, decoded.slice(0, i), decoded.slice(i + 1))) return true;
  }
  const cookie = getCookie(c, SESSION_COOKIE);
  return Boolean(cookie && same(cookie, sessionValue(policy)));
}

export function checkToken(policy: AccessPolicy, token: string): boolean {
  return Boolean(policy.token && same(token, policy.token));
}

export function checkPassword(policy: AccessPolicy, user: string, password: string): boolean {
  if (!policy.basic) return false;
  // Both compared, always: no early exit that tells which one was wrong.
  const u = same(user, policy.basic.user);
  const p = same(password, policy.basic.password);
  return u && p;
}

const secure = (c: Context) => c.req.url.startsWith("https:") || c.req.header("x-forwarded-proto") === "https";

export function startSession(c: Context, policy: AccessPolicy): void {
  setCookie(c, SESSION_COOKIE, sessionValue(policy), {
    httpOnly: true,
    sameSite: "Strict",
    path: "/",
    maxAge: 7 * 86_400,
    secure: secure(c),
  });
}

export function endSession(c: Context): void {
  setCookie(c, SESSION_COOKIE, "", { httpOnly: true, sameSite: "Strict", path: "/", maxAge: 0 });
}

/** A relative path to go back to after logging in (never another site). */
export function safeNext(next: string | undefined | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/";
}

/** Host check, then credentials; pages get a login redirect, everything else a 401. */
export function accessMiddleware(policy: AccessPolicy): MiddlewareHandler {
  return async (c, next) => {
    if (!policy.authRequired) {
      const hostname = (c.req.header("host") ?? "").replace(/:\d+$/, "");
      if (!isLoopbackHost(hostname)) return c.text("This dashboard answers on its loopback address only.", 421);
    }
    const path = c.req.path;
    if (OPEN_PATHS.has(path) || authenticated(c, policy)) return next();
    const wantsPage = c.req.method === "GET" && (c.req.header("accept") ?? "").includes("text/html");
    if (wantsPage && !c.req.header("authorization")) {
      const target = path + (new URL(c.req.url).search ?? "");
      return c.redirect(`/login?next=${encodeURIComponent(target)}`, 303);
    }
    c.header("WWW-Authenticate", policy.basic ? 'Basic realm="coffee-scraper", charset="UTF-8"' : 'Bearer realm="coffee-scraper"');
    return c.text("authentication required", 401);
  };
}

// --- CSRF ---------------------------------------------------------------------------------

/** The browser's CSRF cookie (set when missing) and the token forms must send back. */
const issued = new WeakMap<Request, string>();

export function csrfToken(c: Context, policy: AccessPolicy): string {
  const known = issued.get(c.req.raw);
  if (known) return known;
  let id = getCookie(c, CSRF_COOKIE);
  if (!id || !/^[A-Za-z0-9_-]{20,100}$/.test(id)) {
    id = randomBytes(18).toString("base64url");
    setCookie(c, CSRF_COOKIE, id, { httpOnly: true, sameSite: "Strict", path: "/", secure: secure(c) });
  }
  const token = createHmac("sha256", policy.csrfKey).update(id).digest("base64url");
  issued.set(c.req.raw, token);
  return token;
}

/** A same-origin request (Origin, when sent, names this host). */
export function sameOrigin(c: Context): boolean {
  const origin = c.req.header("origin");
  if (!origin || origin === "null") return origin === undefined;
  try {
    return new URL(origin).host === c.req.header("host");
  } catch {
    return false;
  }
}

export function validCsrf(c: Context, policy: AccessPolicy, token: unknown): boolean {
  const id = getCookie(c, CSRF_COOKIE);
  if (!id || typeof token !== "string" || !sameOrigin(c)) return false;
  return same(token, createHmac("sha256", policy.csrfKey).update(id).digest("base64url"));
}

/** Unsafe methods on routes without our forms (Bull Board's API) must at least be same-origin. */
export function sameOriginWrites(): MiddlewareHandler {
  return async (c, next) => {
    if (["GET", "HEAD", "OPTIONS"].includes(c.req.method)) return next();
    const fetchSite = c.req.header("sec-fetch-site");
    if (!c.req.header("origin") || !sameOrigin(c) || (fetchSite && fetchSite !== "same-origin")) {
      return c.text("cross-origin request refused", 403);
    }
    return next();
  };
}
