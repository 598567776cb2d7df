import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { redactSecrets, redactUrl } from "../../src/core/secrets.ts";
import { describeSettings, loadSettings, SettingsError } from "../../src/config/settings.ts";

describe("settings", () => {
  it("applies defaults when nothing is set", () => {
    const s = loadSettings({}, false);
    expect(s.DATABASE_URL).toBeUndefined();
    expect(s.REDIS_URL).toBeUndefined();
    expect(s.DATA_DIR).toBe("./data");
    expect(s.LOG_LEVEL).toBe("info");
    expect(s.LOG_FORMAT).toBe("json");
    expect(s.WORKER_CONCURRENCY).toBe(5);
    expect(s.HTTP_DELAY_MS).toBe(250);
    expect(s.HTTP_JITTER_MS).toBe(100);
    expect(s.HTTP_MAX_BYTES).toBe(20 * 1024 * 1024);
    expect(s.ALLOW_PRIVATE_NETWORKS).toBe(false);
  });

  it("chooses pretty logs on a terminal unless LOG_FORMAT says otherwise", () => {
    expect(loadSettings({}, true).LOG_FORMAT).toBe("pretty");
    expect(loadSettings({ LOG_FORMAT: "json" }, true).LOG_FORMAT).toBe("json");
  });

  it("coerces numbers and booleans from strings", () => {
    const s = loadSettings({ WORKER_CONCURRENCY: "8", ALLOW_PRIVATE_NETWORKS: "true", HTTP_DELAY_MS: "0" }, false);
    expect(s.WORKER_CONCURRENCY).toBe(8);
    expect(s.ALLOW_PRIVATE_NETWORKS).toBe(true);
    expect(s.HTTP_DELAY_MS).toBe(0);
  });

  it("names every bad variable and the problem, without echoing secrets", () => {
    let error: unknown;
    try {
      loadSettings(
        { DATABASE_URL: "mysql://admin:hunter22@db.example.com/x", WORKER_CONCURRENCY: "many", LOG_LEVEL: "loud" },
        false,
      );
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SettingsError);
    const problems = (error as SettingsError).problems;
    expect(problems.some((p) => p.startsWith("DATABASE_URL:"))).toBe(true);
    expect(problems.some((p) => p.startsWith("WORKER_CONCURRENCY:"))).toBe(true);
    expect(problems.some((p) => p.startsWith("LOG_LEVEL:"))).toBe(true);
    expect((error as Error).message).not.toContain("hunter22");
  });

  it("reads an optional config file, overridden by the environment, and rejects unknown keys", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cs-settings-"));
    const file = path.join(dir, "config.yaml");
    writeFileSync(file, "WORKER_CONCURRENCY: 7\nHTTP_DELAY_MS: 500\n");
    const s = loadSettings({ CONFIG_FILE: file, HTTP_DELAY_MS: "100" }, false);
    expect(s.WORKER_CONCURRENCY).toBe(7);
    expect(s.HTTP_DELAY_MS).toBe(100);
    writeFileSync(file, "WORKER_CONCURENCY: 7\n");
    expect(() => loadSettings({ CONFIG_FILE: file }, false)).toThrow(/WORKER_CONCURENCY/);
  });

  it("redacts connection strings for display", () => {
    const s = loadSettings({ DATABASE_URL: "postgres://app:s3cret-pw@db.example.com:5432/coffee" }, false);
    expect(JSON.stringify(describeSettings(s))).not.toContain("s3cret-pw");
    expect(redactUrl("redis://:tok3n@host:6379")).toBe("redis://:***@host:6379");
    expect(redactSecrets("failed to connect with s3cret-pw")).toBe("failed to connect with ***");
  });
});
