import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { errorCodesTable } from "../../src/core/error-codes-table.ts";
import { classify, endsJob, ERROR_CODES, permanent, ScrapeError, STATUS_CODE_FAMILIES, throttled } from "../../src/core/errors.ts";
import type { FetchResult } from "../../src/fetch/client.ts";
import { isJobFatal, statusError } from "../../src/platforms/paging.ts";
import { deadlineError } from "../../src/worker/run-job.ts";

const SRC = new URL("../../src/", import.meta.url).pathname;

const answered = (status: number) => ({ status, url: "https://shop.example/products.json", body: Buffer.from("") }) as FetchResult;
const withCode = (code: string, message = "from below") => Object.assign(new Error(message), { code });

describe("classify", () => {
  it.each([
    ["ECONNRESET", "transient"],
    ["UND_ERR_SOCKET", "transient"],
    ["57P01", "transient"], // admin_shutdown: the server restarts
    ["40001", "transient"], // serialization failure
    ["22P05", "permanent"], // a NUL in text: the same statement fails again
    ["23505", "permanent"],
    ["54001", "permanent"],
  ] as const)("a foreign error with code %s is %s, and carries no code of ours", (code, retry) => {
    expect(classify(withCode(code))).toEqual({ code: null, retry, final: false, endsRun: false });
  });

  it("maps a store page's final answer by its status: 404/410 not_found and 4xx permanent, 5xx transient", () => {
    expect(classify(statusError(answered(404), "page"))).toMatchObject({ code: "not_found", retry: "permanent", endsRun: false });
    expect(classify(statusError(answered(410), "page"))).toMatchObject({ code: "not_found", retry: "permanent" });
    expect(classify(statusError(answered(403), "page"))).toMatchObject({ code: "http_403", retry: "permanent" });
    expect(classify(statusError(answered(501), "page"))).toMatchObject({ code: "http_501", retry: "permanent" });
    expect(classify(new ScrapeError("http_503", "after 3 attempts"))).toMatchObject({ code: "http_503", retry: "transient" });
  });

  it("keeps a 429's wait", () => {
    expect(classify(throttled("rate_limited", "slow down", 30_000))).toEqual({ code: "rate_limited", retry: "throttled", final: false, endsRun: false, retryAfterMs: 30_000 });
  });

  it("the deadline is final and ends the run; a bare AbortError is transient", () => {
    expect(classify(deadlineError(1000))).toMatchObject({ code: "deadline", retry: "transient", final: true, endsRun: true });
    expect(classify(new DOMException("This operation was aborted", "AbortError"))).toEqual({ code: null, retry: "transient", final: false, endsRun: false });
  });

  it("robots.txt disallowing and a missing store end the run, a failed page does not", () => {
    expect(classify(permanent("robots_disallowed", "no"))).toMatchObject({ retry: "permanent", final: false, endsRun: true });
    expect(isJobFatal(permanent("store_not_found", "404"))).toBe(true);
    expect(isJobFatal(throttled("crawl_delay_too_long", "1 h apart", 3_600_000))).toBe(true);
    expect(isJobFatal(permanent("too_many_products", "big"))).toBe(false);
    expect(isJobFatal(withCode("ECONNRESET"))).toBe(false);
  });

  it("unknown errors are retried", () => {
    expect(classify(new Error("a bug"))).toMatchObject({ code: null, retry: "transient" });
    expect(classify("a string")).toMatchObject({ code: null, retry: "transient" });
  });
});

describe("endsJob", () => {
  it("permanent, final, or a wait beyond the cap", () => {
    expect(endsJob(withCode("22P02"), 1000)).toBe(true);
    expect(endsJob(deadlineError(5), 1000)).toBe(true);
    expect(endsJob(throttled("retry_after_too_long", "later", 1001), 1000)).toBe(true);
    expect(endsJob(throttled("rate_limited", "later", 1000), 1000)).toBe(false);
    expect(endsJob(withCode("ECONNREFUSED"), 1000)).toBe(false);
  });
});

describe("ScrapeError", () => {
  it("takes its class from the table; only all_pages_failed inherits one", () => {
    const first = throttled("rate_limited", "429", 5000);
    const all = new ScrapeError("all_pages_failed", "every page failed", { cause: first, retryAfterMs: 5000, inherit: { retry: first.retry, final: first.final } });
    expect(all).toMatchObject({ retry: "throttled", final: false, retryAfterMs: 5000 });
    expect(() => new ScrapeError("timeout", "no", { inherit: { retry: "permanent", final: true } })).toThrow(TypeError);
  });

  it("refuses a code that is in no table (only a cast could pass one)", () => {
    expect(() => new ScrapeError("made_up" as never, "x")).toThrow(/unknown error code "made_up"/);
    expect(() => new ScrapeError("nofamily_500" as never, "x")).toThrow(TypeError);
  });
});

describe("the table of error codes", () => {
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));

  it("lists every code src/ raises or compares (tsc checks it; this catches a cast)", () => {
    const raised = /(?:permanent|transient|throttled|new ScrapeError)\(\s*"([a-z0-9_]+)"|\.code === "([a-z0-9_]+)"|_EXHAUSTED = "([a-z0-9_]+)"|_CODE = "([a-z0-9_]+)"/g;
    const family = new RegExp(`^(${Object.keys(STATUS_CODE_FAMILIES).join("|")})_\\d{3}$`);
    const unknown: string[] = [];
    let seen = 0;
    for (const file of files(SRC)) {
      for (const match of readFileSync(file, "utf8").matchAll(raised)) {
        const code = match.slice(1).find(Boolean)!;
        // Node's and zod's own codes are compared too, on their own errors; and `typeof x.code === "string"`.
        if (/^[A-Z0-9_]+$/.test(code) || ["unrecognized_keys"].includes(code)) continue;
        if (match[2] && /typeof \S*$/.test(match.input.slice(Math.max(0, match.index - 40), match.index))) continue;
        seen++;
        if (!(code in ERROR_CODES) && !family.test(code)) unknown.push(`${path.relative(SRC, file)}: ${code}`);
      }
    }
    expect(seen).toBeGreaterThan(30);
    expect(unknown).toEqual([]);
  });

  it("docs/interface.md lists the table (npm run docs:errors)", () => {
    const doc = readFileSync(new URL("../../docs/interface.md", import.meta.url), "utf8");
    expect(doc).toContain(`<!-- error-codes:start -->\n${errorCodesTable()}\n<!-- error-codes:end -->`);
  });
});
