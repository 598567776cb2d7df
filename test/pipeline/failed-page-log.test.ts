import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeps } from "../../src/app/runtime.ts";
import type { Deps } from "../../src/app/deps.ts";
import { scrapeOnce } from "../../src/worker/scrape-once.ts";
import { useTestDatabase } from "../helpers/database.ts";
import { addRoaster } from "../helpers/fetch.ts";
import { captureLogger, type LogLine } from "../helpers/logs.ts";
import { testSettings } from "../helpers/settings.ts";
import { startStoreServer, type StoreServer } from "../helpers/store-server.ts";

// A failed page is logged once, by the pipeline, with the error (its code included) under
// `err` — not once by the adapter and again by the pipeline under another key.

describe("a failed page's log line", () => {
  const database = useTestDatabase("pglite");
  let store: StoreServer;
  let deps: Deps;
  let lines: LogLine[];
  beforeAll(async () => {
    store = await startStoreServer({ platform: "shopify", products: 300 });
    store.addFault({ match: (r) => r.path.includes("page=2"), kind: "status", status: 500 });
    const captured = captureLogger("debug");
    lines = captured.lines;
    const settings = testSettings({ HTTP_DELAY_MS: 0, HTTP_JITTER_MS: 0, HTTP_RETRIES: 0, DATA_DIR: mkdtempSync(path.join(tmpdir(), "cs-page-log-")) });
    deps = createDeps(settings, database().db, captured.log);
    await addRoaster(database().db, store.url, { slug: "half-down", platform: "shopify" });
  });
  afterAll(async () => {
    await deps?.http.close();
    await store?.close();
  });

  it("is exactly one line, carrying the code under err", async () => {
    const summary = await scrapeOnce({ deps, roaster: "half-down", type: "full_refresh" });
    expect(summary.status).toBe("partial");
    const failed = lines.filter((l) => /page failed/.test(l.msg ?? ""));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ level: 40, url: expect.stringContaining("page=2"), err: { code: "http_500", retry: "transient" } });
    expect(failed[0]).not.toHaveProperty("error");
  });
});
