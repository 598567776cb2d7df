import { describe, expect, it } from "vitest";
import { describeSettings, loadSettings, SettingsError } from "../../src/config/settings.ts";
import { redactSecrets } from "../../src/core/secrets.ts";

const problemsOf = (env: NodeJS.ProcessEnv): string[] => {
  try {
    loadSettings(env, false);
  } catch (err) {
    expect(err).toBeInstanceOf(SettingsError);
    return (err as SettingsError).problems;
  }
  return [];
};

describe("S3 artifact settings", () => {
  it("default to the directory store, region us-east-1, virtual-hosted URLs", () => {
    const s = loadSettings({}, false);
    expect(s.ARTIFACTS_S3_BUCKET).toBeUndefined();
    expect(s.ARTIFACTS_S3_REGION).toBe("us-east-1");
    expect(s.ARTIFACTS_S3_FORCE_PATH_STYLE).toBe(false);
  });

  it("a bucket without credentials is refused, naming each missing field", () => {
    expect(problemsOf({ ARTIFACTS_S3_BUCKET: "raw-pages" })).toEqual([
      "ARTIFACTS_S3_ACCESS_KEY_ID: required when ARTIFACTS_S3_BUCKET is set",
      "ARTIFACTS_S3_SECRET_ACCESS_KEY: required when ARTIFACTS_S3_BUCKET is set",
    ]);
    expect(
      problemsOf({ ARTIFACTS_S3_BUCKET: "raw-pages", ARTIFACTS_S3_ACCESS_KEY_ID: "AKIAEXAMPLE" }),
    ).toEqual(["ARTIFACTS_S3_SECRET_ACCESS_KEY: required when ARTIFACTS_S3_BUCKET is set"]);
    expect(() => loadSettings({ ARTIFACTS_S3_BUCKET: "raw-pages" }, false)).toThrow(
      /Invalid settings:\n {2}ARTIFACTS_S3_ACCESS_KEY_ID: required/,
    );
  });

  it("connection details without a bucket are refused rather than silently ignored", () => {
    expect(problemsOf({ ARTIFACTS_S3_ENDPOINT: "https://acct.r2.cloudflarestorage.com" })).toEqual([
      "ARTIFACTS_S3_BUCKET: required when ARTIFACTS_S3_ENDPOINT is set (raw pages would silently stay in DATA_DIR)",
    ]);
  });

  it("accepts a complete configuration and keeps both keys out of logs and descriptions", () => {
    const s = loadSettings(
      {
        ARTIFACTS_S3_BUCKET: "raw-pages",
        ARTIFACTS_S3_ENDPOINT: "https://project.supabase.co/storage/v1/s3",
        ARTIFACTS_S3_REGION: "ap-south-1",
        ARTIFACTS_S3_ACCESS_KEY_ID: "key-id-7f3a9c",
        ARTIFACTS_S3_SECRET_ACCESS_KEY: "secret-4b8e1d2f",
        ARTIFACTS_S3_PREFIX: "coffee/raw",
        ARTIFACTS_S3_FORCE_PATH_STYLE: "true",
      },
      false,
    );
    expect(s.ARTIFACTS_S3_FORCE_PATH_STYLE).toBe(true);
    expect(s.ARTIFACTS_S3_REGION).toBe("ap-south-1");
    const shown = JSON.stringify(describeSettings(s));
    expect(shown).not.toContain("secret-4b8e1d2f");
    expect(shown).not.toContain("key-id-7f3a9c");
    expect(redactSecrets("signature with secret-4b8e1d2f failed")).toBe("signature with *** failed");
  });

  it("rejects a malformed endpoint or bucket name", () => {
    const base = { ARTIFACTS_S3_ACCESS_KEY_ID: "id-1234", ARTIFACTS_S3_SECRET_ACCESS_KEY: "secret-1234" };
    expect(problemsOf({ ...base, ARTIFACTS_S3_BUCKET: "b", ARTIFACTS_S3_ENDPOINT: "minio:9000" })[0]).toMatch(
      /^ARTIFACTS_S3_ENDPOINT: /,
    );
    expect(problemsOf({ ...base, ARTIFACTS_S3_BUCKET: "my bucket/x" })[0]).toMatch(/^ARTIFACTS_S3_BUCKET: /);
  });
});
