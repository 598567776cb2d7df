import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { envExample } from "../../src/config/env-example.ts";
import { inGroup, settingMeta } from "../../src/config/setting-meta.ts";
import { settingsTable } from "../../src/config/settings-table.ts";
import { loadSettings, secretKindOf, SETTING_NAMES, settingMetaOf } from "../../src/config/settings.ts";
import { redactSecrets } from "../../src/core/secrets.ts";
import { visibleSettings } from "../../src/dashboard/pages/settings.ts";

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), "utf8");

describe("settings documentation, declared on the schema", () => {
  it("every setting carries a one-line doc", () => {
    const undocumented = SETTING_NAMES.filter((name) => !settingMetaOf(name)?.doc.trim());
    expect(undocumented).toEqual([]);
    for (const name of SETTING_NAMES) expect(settingMetaOf(name)!.doc, name).not.toContain("\n");
  });

  it("a schema declared without its group's helper has no doc (what the check above catches)", () => {
    const documented = inGroup("logging")(z.string(), "a doc");
    expect(settingMeta.get(documented)?.doc).toBe("a doc");
    expect(settingMeta.get(z.string())).toBeUndefined();
  });

  it("the README's configuration table is the generated one (npm run docs:settings)", () => {
    expect(read("README.md")).toContain(settingsTable());
  });

  it("env.example is the generated one (npm run docs:settings)", () => {
    expect(read("env.example")).toBe(envExample());
  });

  it("the secret settings are the ones the schema marks", () => {
    const secret = SETTING_NAMES.filter((name) => secretKindOf(name));
    expect(secret.sort()).toEqual(
      [
        "ALERT_WEBHOOK_URL",
        "ARTIFACTS_S3_ACCESS_KEY_ID",
        "ARTIFACTS_S3_SECRET_ACCESS_KEY",
        "DASHBOARD_PASSWORD",
        "DASHBOARD_TOKEN",
        "DATABASE_URL",
        "FIRECRAWL_API_KEY",
        "IMAGEKIT_PRIVATE_KEY",
        "LLM_API_KEY",
        "REDIS_URL",
      ].sort(),
    );
    expect(secretKindOf("DATABASE_URL")).toBe("credentials");
    expect(secretKindOf("LLM_API_KEY")).toBe("value");
    expect(secretKindOf("NOT_A_SETTING")).toBeUndefined();
  });

  it("a setting named like a credential is marked secret (a new one cannot be forgotten)", () => {
    const credentialLike = SETTING_NAMES.filter((name) => /(_KEY|_KEY_ID|_TOKEN|_PASSWORD|_SECRET)$/.test(name));
    expect(credentialLike.length).toBeGreaterThan(0);
    expect(credentialLike.filter((name) => secretKindOf(name) !== "value")).toEqual([]);
  });

  it("every secret the schema marks is scrubbed from text and hidden on the dashboard once loaded", () => {
    const values: Record<string, string> = {
      ALERT_WEBHOOK_URL: "https://hooks.example/T0k3nInPath-alert",
      DASHBOARD_TOKEN: "dash-token-0123456789abcdef",
      DASHBOARD_USER: "admin",
      DASHBOARD_PASSWORD: "dash-password-0123",
      ARTIFACTS_S3_BUCKET: "bucket",
      ARTIFACTS_S3_ACCESS_KEY_ID: "AKIA-access-key-id",
      ARTIFACTS_S3_SECRET_ACCESS_KEY: "s3-secret-access-key",
      FIRECRAWL_API_KEY: "fc-api-key-123",
      LLM_API_KEY: "llm-api-key-123",
      IMAGEKIT_PRIVATE_KEY: "private_imagekit_key",
      IMAGEKIT_URL_ENDPOINT: "https://ik.imagekit.io/demo",
    };
    const settings = loadSettings({ ...values, LOG_FORMAT: "json" }, false);
    const shown = new Map(visibleSettings(settings));
    for (const name of SETTING_NAMES.filter((n) => secretKindOf(n) === "value")) {
      expect(redactSecrets(`x ${values[name]} y`), name).toBe("x *** y");
      expect(shown.get(name), name).toBe("set (hidden)");
    }
  });
});
