import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN } from "../helpers/cli.ts";
import { parseLogLines } from "../helpers/logs.ts";
import { until } from "../helpers/until.ts";
import { currentRssKb, peakRssKb } from "./processes.ts";

// The dashboard under a 400 MB request body, started as it ships (`node
// --max-old-space-size=256`, as `npm start` runs): an unauthenticated POST /login, and a
// POST /logout from a foreign origin on the open loopback dashboard, each streamed by this
// test without ever holding the body. The body is refused before it is read (413, or 403 for
// the foreign origin / missing CSRF cookie), quickly, the process keeps serving, and its
// resident memory does not grow with the body.

const BODY_BYTES = 400 * 1024 * 1024;
const TOKEN = "bounds-token-0123456789abcdef";

interface Dashboard {
  proc: ChildProcess;
  url: string;
  dataDir: string;
  out(): string;
}

async function startDashboard(env: Record<string, string>): Promise<Dashboard> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "cs-dash-bodies-"));
  const { DATABASE_URL: _d, REDIS_URL: _r, CONFIG_FILE: _c, ...inherited } = process.env;
  const proc = spawn(process.execPath, ["--max-old-space-size=256", BIN, "dashboard"], {
    env: { ...inherited, LOG_FORMAT: "json", LOG_LEVEL: "info", DATA_DIR: dataDir, DASHBOARD_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  proc.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  let url = "";
  await until(
    () => {
      const line = parseLogLines(out).find((l) => l.msg === "dashboard listening");
      url = String(line?.url ?? "");
      return Boolean(url) || proc.exitCode !== null;
    },
    60_000,
    "the dashboard to listen",
  );
  if (!url) throw new Error(`dashboard did not start:\n${out}`);
  return { proc, url, dataDir, out: () => out };
}

async function stopDashboard(d: Dashboard | undefined): Promise<void> {
  if (!d) return;
  if (d.proc.exitCode === null) {
    d.proc.kill("SIGTERM");
    await new Promise((resolve) => d.proc.once("exit", resolve));
  }
  rmSync(d.dataDir, { recursive: true, force: true });
}

interface Streamed {
  status: number;
  ms: number;
  sentBytes: number;
}

/**
 * POSTs a form body of `total` bytes, written 64 kB at a time from one buffer, until the
 * server answers (or 30 s pass). With `declareLength`, Content-Length says the full size;
 * without, the body is chunked and only its bytes can tell.
 */
function streamPost(
  url: string,
  pathname: string,
  headers: Record<string, string>,
  options: { total: number; declareLength: boolean },
): Promise<Streamed> {
  const chunk = Buffer.alloc(64 * 1024, "a");
  const started = Date.now();
  return new Promise((resolve, reject) => {
    let sentBytes = 0;
    let answered = false;
    const req = request(`${url}${pathname}`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        ...(options.declareLength ? { "content-length": String(options.total) } : {}),
        ...headers,
      },
    });
    const deadline = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer within 30 s after ${sentBytes} bytes`));
    }, 30_000);
    req.on("response", (res) => {
      answered = true;
      clearTimeout(deadline);
      res.resume();
      resolve({ status: res.statusCode ?? 0, ms: Date.now() - started, sentBytes });
      req.destroy();
    });
    req.on("error", (err) => {
      // The server may close the connection while we still write: fine once it has answered.
      if (!answered) {
        clearTimeout(deadline);
        reject(err);
      }
    });
    const pump = () => {
      while (!answered && sentBytes < options.total) {
        sentBytes += chunk.length;
        if (!req.write(chunk)) {
          req.once("drain", pump);
          return;
        }
      }
      if (!answered) req.end();
    };
    pump();
  });
}

/** The cs_csrf cookie a browser holds after loading a page with a form. */
async function csrfCookie(url: string, page: string): Promise<string> {
  const res = await fetch(`${url}${page}`);
  await res.text();
  const cookie = res.headers.getSetCookie().map((c) => c.split(";")[0]!).find((c) => c.startsWith("cs_csrf="));
  if (!cookie) throw new Error("no CSRF cookie on the sign-in page");
  return cookie;
}

/** Resets the process's peak-RSS counter (Linux), so VmHWM then tells the peak from here on. */
function resetPeakRss(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, "5");
}

describe.skipIf(process.platform !== "linux")("a 400 MB request body", () => {
  let authed: Dashboard;
  let open: Dashboard;
  beforeAll(async () => {
    [authed, open] = await Promise.all([startDashboard({ DASHBOARD_TOKEN: TOKEN }), startDashboard({})]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([stopDashboard(authed), stopDashboard(open)]);
  });

  it("an unauthenticated POST /login is refused before its body is read, and the process stays small and serving", async () => {
    const pid = authed.proc.pid!;
    const cookie = await csrfCookie(authed.url, "/login");
    const baselineKb = currentRssKb(pid)!;
    resetPeakRss(pid);

    // Declared as 400 MB: refused on the header alone.
    const declared = await streamPost(authed.url, "/login", { cookie }, { total: BODY_BYTES, declareLength: true });
    expect(declared.status).toBe(413);
    // Chunked, size unknown until read: cut off at the limit.
    const chunked = await streamPost(authed.url, "/login", { cookie }, { total: BODY_BYTES, declareLength: false });
    expect(chunked.status).toBe(413);
    // Without the CSRF cookie its token is bound to: refused before the body too.
    const noCookie = await streamPost(authed.url, "/login", {}, { total: BODY_BYTES, declareLength: false });
    expect(noCookie.status).toBe(403);

    for (const r of [declared, chunked, noCookie]) {
      expect(r.ms).toBeLessThan(5000);
      // Far less than the body was sent before the answer came: it was not read.
      expect(r.sentBytes).toBeLessThan(BODY_BYTES / 4);
    }
    const peakKb = peakRssKb(pid)!;
    expect(peakKb - baselineKb, `peak RSS ${peakKb} kB vs ${baselineKb} kB before`).toBeLessThan(64 * 1024);

    expect((await fetch(`${authed.url}/healthz`)).status).toBe(200);
    // The sign-in itself still works afterwards.
    const form = await fetch(`${authed.url}/login`, { headers: { cookie } });
    const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())![1]!;
    const signIn = await fetch(`${authed.url}/login`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrf, token: TOKEN, next: "/runs" }),
    });
    expect(signIn.status).toBe(303);
    expect(signIn.headers.get("location")).toBe("/runs");
    expect(authed.proc.exitCode).toBeNull();
  }, 60_000);

  it("a POST /logout from a foreign origin on the open loopback dashboard is refused (403) before its body is read", async () => {
    const pid = open.proc.pid!;
    const cookie = await csrfCookie(open.url, "/");
    const baselineKb = currentRssKb(pid)!;
    resetPeakRss(pid);
    for (const declareLength of [true, false]) {
      const r = await streamPost(
        open.url,
        "/logout",
        { origin: "https://attacker.example", cookie },
        { total: BODY_BYTES, declareLength },
      );
      expect(r.status).toBe(403);
      expect(r.ms).toBeLessThan(5000);
      expect(r.sentBytes).toBeLessThan(BODY_BYTES / 4);
    }
    // Same origin but 400 MB: the size limit.
    const own = await streamPost(open.url, "/logout", { origin: open.url, cookie }, { total: BODY_BYTES, declareLength: false });
    expect(own.status).toBe(413);
    const peakKb = peakRssKb(pid)!;
    expect(peakKb - baselineKb, `peak RSS ${peakKb} kB vs ${baselineKb} kB before`).toBeLessThan(64 * 1024);
    expect((await fetch(`${open.url}/`)).status).toBe(200);
    expect(open.proc.exitCode).toBeNull();
  }, 60_000);
});
