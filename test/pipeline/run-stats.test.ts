import { describe, expect, it } from "vitest";
import { emptyRunStats, readRunStats } from "../../src/pipeline/run-stats.ts";

describe("readRunStats", () => {
  it("reads back what the pipeline wrote, through JSON", () => {
    const written = emptyRunStats({ jobType: "price_only", jobId: "j1", slot: "2026-01-01T00:00:00Z", attempt: 2 });
    Object.assign(written, { retry_wait_ms: 12, http_statuses: { "200": 3 }, llm_calls: 1, images_uploaded: 2 });
    written.errors.push({ scope: "page", message: "boom", url: "https://x.test/p", retry: "transient" });
    expect(readRunStats(JSON.parse(JSON.stringify(written)))).toEqual(written);
  });

  it("tolerates older rows: missing keys stay absent, wrongly shaped values are dropped, unknown keys ignored", () => {
    const stats = readRunStats({
      pages: 3,
      requests: "7",
      bytes: Number.NaN,
      job_type: "weekly",
      platform: null,
      warnings: ["w", 4],
      http_statuses: { "200": 2, "404": "x" },
      errors: [{ message: "m", scope: 3 }, "not an error", { product: null, code: "http_503" }],
      someday_key: 1,
    });
    expect(stats).toEqual({
      pages: 3,
      platform: null,
      warnings: ["w", "4"],
      http_statuses: { "200": 2 },
      errors: [{ message: "m" }, { product: null, code: "http_503" }],
    });
  });

  it("reads anything that is not an object as no stats", () => {
    for (const json of [null, undefined, "{}", 3, []]) expect(readRunStats(json)).toEqual({});
  });
});
