import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { getCookie, setCookie } from "hono/cookie";
import type { DashboardAccessSettings } from "../config/setting-sections.ts";
import { SessionStore } from "./sessions.ts";
import { SignInThrottle } from "./sign-in-throttle.ts";
import { every } from "../core/timers.ts";

// Who may use the dashboard.
// - Bound to loopback (127.0.0.1, ::1, localhost) with no credentials configured: open to
//   local users, and only under a loopback Host header (a DNS-rebinding page cannot reach it).
// - Credentials configured (DASHBOARD_TOKEN and/or DASHBOARD_USER + DASHBOARD_PASSWORD):
//   every page needs them, wherever it is bound. The token works as `Authorization: Bearer`
//   or through the login form (a server-side session, see sessions.ts); the user and
//   password as HTTP basic auth (or through the same form). Failed sign-ins are throttled
//   per client address.
// - Bound anywhere else without credentials: refused at start (DashboardAccessError).
// Every POST carries a CSRF token bound to a per-browser cookie, and a cross-origin Origin
// header is refused, before any of its body is read; bodies are limited (MAX_BODY_BYTES).

export const LOOPBACK_HOSTS = ["127.0.0.1", "::1", "localhost"] as const;
const SESSION_COOKIE = "cs_session";
const CSRF_COOKIE = "cs_csrf";
const OPEN_PATHS = new Set(["/healthz", "/readyz", "/login", "/assets/dashboard.css", "/assets/favicon.svg"]);
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** Largest request body the dashboard reads: its forms send a few hundred bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

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
  /** Sign-ins through the form. */
  sessions: SessionStore;
  signIns: SignInThrottle;
}

export function isLoopbackHost(host: string): boolean {
  return (LOOPBACK_HOSTS as readonly string[]).includes(host.replace(/^\[|\]$/g, "").toLowerCase());
}

/** The access policy for these settings; throws when the dashboard must not start. */
export function accessPolicy(settings: DashboardAccessSettings): AccessPolicy {
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
  return {
    host,
    token,
    basic,
    authRequired,
    csrfKey: randomBytes(32),
    sessions: new SessionStore(settings.DASHBOARD_SESSION_TTL_MS),
    signIns: new SignInThrottle(settings.DASHBOARD_SIGNIN_ATTEMPTS),
  };
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
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
  return Boolean(cookie && policy.sessions.valid(cookie));
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
  setCookie(c, SESSION_COOKIE, policy.sessions.create(), {
    httpOnly: true,
    sameSite: "Strict",
    path: "/",
    maxAge: Math.floor(policy.sessions.ttlMs / 1000),
    secure: secure(c),
  });
}

/** Signs out: the session is forgotten here (a copy of the cookie stops working too). */
export function endSession(c: Context, policy: AccessPolicy): void {
  const cookie = getCookie(c, SESSION_COOKIE);
  if (cookie) policy.sessions.revoke(cookie);
  setCookie(c, SESSION_COOKIE, "", { httpOnly: true, sameSite: "Strict", path: "/", maxAge: 0 });
}

const OWN_ORIGIN = "http://dashboard.invalid";

/**
 * Where to go after signing in: `next` resolved as a browser would against our own origin,
 * kept only when it stays there (`//evil.com`, `/\\evil.com`, `/%09/evil.com` do not).
 */
export function safeNext(next: string | undefined | null): string {
  if (!next || !next.startsWith("/")) return "/";
  try {
    const url = new URL(next, OWN_ORIGIN);
    return url.origin === OWN_ORIGIN ? `${url.pathname}${url.search}${url.hash}` : "/";
  } catch {
    return "/";
  }
}

/** The address of the connection (not a forwarded header, which the client chooses). */
export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown";
  }
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

const crossSite = (c: Context) => {
  const fetchSite = c.req.header("sec-fetch-site");
  return Boolean(fetchSite && fetchSite !== "same-origin" && fetchSite !== "none");
};

/**
 * Refuses without reading the body. The client may still be sending it: the connection
 * reads and drops it for a short while (so the client gets to read our answer rather than a
 * reset), then closes, whatever is left.
 */
export function refuse(c: Context, status: 403 | 413 | 429, message: string) {
  lingerThenClose(c);
  return c.text(message, status);
}

const LINGER_MS = 2000;
const LINGER_BYTES = 32 * 1024 * 1024;

function lingerThenClose(c: Context): void {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const socket = incoming?.socket;
  if (!socket || socket.destroyed) return;
  const startedBytes = socket.bytesRead;
  const started = Date.now();
  const timer = every(50, () => {
    if (socket.destroyed || incoming.complete) {
      clearInterval(timer);
      return;
    }
    if (Date.now() - started > LINGER_MS || socket.bytesRead - startedBytes > LINGER_BYTES) {
      clearInterval(timer);
      socket.destroy();
    }
  });
  timer.unref();
  socket.once("close", () => clearInterval(timer));
}

/**
 * Every unsafe request, before a byte of its body is read: a foreign Origin (or a cross-site
 * fetch) is refused, our own forms must carry the CSRF cookie their token is bound to, and
 * the body is cut off past MAX_BODY_BYTES (413).
 */
export function guardWrites(options: { formsExcept: string }): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) => refuse(c, 413, `request body over ${MAX_BODY_BYTES} bytes`),
  });
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    if (!sameOrigin(c) || crossSite(c)) return refuse(c, 403, "cross-origin request refused");
    if (!c.req.path.startsWith(options.formsExcept) && !getCookie(c, CSRF_COOKIE)) {
      return refuse(c, 403, "invalid or missing CSRF token: reload the page and try again");
    }
    return limit(c, next);
  };
}

/** Unsafe methods on routes without our forms (Bull Board's API) must at least be same-origin. */
export function sameOriginWrites(): MiddlewareHandler {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const fetchSite = c.req.header("sec-fetch-site");
    if (!c.req.header("origin") || !sameOrigin(c) || (fetchSite && fetchSite !== "same-origin")) {
      return c.text("cross-origin request refused", 403);
    }
    return next();
  };
}
