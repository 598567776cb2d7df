import { describe, expect, it } from "vitest";
import { pacingFor } from "../../src/config/pacing.ts";
import { artifactSettings, httpSettings, queueSettings } from "../../src/config/setting-sections.ts";
import { testSettings } from "../helpers/settings.ts";

describe("settings sections", () => {
  it("a part receives its section and nothing else", () => {
    const settings = testSettings({ HTTP_DELAY_MS: 7, DATABASE_URL: "postgres://app:pw@db.example/db" });
    const http = httpSettings(settings);
    expect(http.HTTP_DELAY_MS).toBe(7);
    expect(Object.keys(http)).not.toContain("DATABASE_URL");
    expect(Object.keys(http).every((key) => key.startsWith("HTTP_") || ["ROBOTS_TTL_MS", "USER_AGENT", "ALLOW_PRIVATE_NETWORKS"].includes(key))).toBe(true);
    expect(Object.keys(queueSettings(settings))).not.toContain("DATABASE_URL");
    expect(artifactSettings(settings)).toEqual(expect.objectContaining({ DATA_DIR: settings.DATA_DIR, ARTIFACTS_S3_REGION: "us-east-1" }));
  });
});

describe("pacingFor", () => {
  it("joins the roaster's concurrency (its row) with the spacing of starts (settings)", () => {
    const settings = testSettings({ HTTP_DELAY_MS: 400, HTTP_JITTER_MS: 50 });
    expect(pacingFor({ default_concurrency: 2 }, settings)).toEqual({ concurrency: 2, delayMs: 400, jitterMs: 50 });
    expect(pacingFor({ default_concurrency: 5 }, httpSettings(settings)).concurrency).toBe(5);
  });
});
