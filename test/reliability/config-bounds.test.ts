import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MAX_CONFIG_FILE_BYTES } from "../../src/config/config-text.ts";
import { redactSecrets, redactUrl } from "../../src/core/secrets.ts";
import { describeSettings } from "../../src/config/settings.ts";
import { visibleSettings } from "../../src/dashboard/pages/settings.ts";
import { runCli } from "../helpers/cli.ts";
import { testSettings } from "../helpers/settings.ts";

// What an operator hands us, read by the real CLI: config and roasters files with syntax
// errors (their position is printed, never their lines, which may hold a password), a
// connection string whose password is not percent-encoded (refused, with how to encode it),
// a store website with credentials (refused, not printed), and files over the size bound
// (refused by size, not by running out of heap).

const dir = mkdtempSync(path.join(tmpdir(), "cs-config-bounds-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PASSWORD = "Sup3r-secret-tail";
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};
const env = (extra: Record<string, string>) => ({ DATA_DIR: path.join(dir, "data"), ...extra });

describe("syntax errors print a position, never the source", () => {
  it("in CONFIG_FILE", async () => {
    const config = file(
      "config.yaml",
      `LOG_LEVEL: info\nDATABASE_URL: postgres://app:${PASSWORD}@db.example/x\n  WORKER_CONCURRENCY: : 3\n`,
    );
    const r = await runCli(["status"], env({ CONFIG_FILE: config }));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/CONFIG_FILE: .*config\.yaml: not valid YAML or JSON at line \d+, column \d+: /);
    expect(r.stderr).not.toContain(PASSWORD);
    expect(r.stderr).not.toContain("db.example");
    expect(r.stderr.trim().split("\n")).toHaveLength(2); // "Invalid settings:" and the problem
  });

  it("in a roasters file (YAML and JSON)", async () => {
    const yaml = file("bad.yaml", `- slug: a\n  name: A\n  website: "https://a:${PASSWORD}@a.example\n`);
    const json = file("bad.json", `[{"slug": "a", "name": "A", "website": "https://a:${PASSWORD}@a.example", "name" "A"}]`);
    for (const f of [yaml, json]) {
      const r = await runCli(["roasters", "import", f], env({}));
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/not valid YAML or JSON at line \d+, column \d+: /);
      expect(r.stderr).not.toContain(PASSWORD);
      expect(r.stderr).not.toContain("a.example");
    }
  });
});

describe("passwords in connection strings", () => {
  it("one that needs percent-encoding is refused at validation, with how to encode it, never printed", async () => {
    const cases: Record<string, string>[] = [
      { DATABASE_URL: `postgres://app:${PASSWORD}@x@127.0.0.1:5432/db` },
      { DATABASE_URL: `postgresql://app:pa:ss#${PASSWORD}@127.0.0.1/db` },
      { REDIS_URL: `redis://:${PASSWORD}@@127.0.0.1:6379` },
      { CONFIG_FILE: file("c.yaml", `DATABASE_URL: "postgres://app:${PASSWORD}@tail@127.0.0.1/db"\n`) },
    ];
    for (const extra of cases) {
      const r = await runCli(["status"], env(extra));
      expect(r.code, JSON.stringify(extra)).toBe(2);
      expect(r.stderr).toMatch(/(DATABASE_URL|REDIS_URL): the password must be percent-encoded .*@ → %40/);
      expect(r.stderr).toContain("encodeURIComponent");
      expect(r.stderr).not.toContain(PASSWORD);
      expect(r.stderr).not.toContain("tail@");
    }
  });

  it("redaction splits at the last @ (as URL parsers do): no tail of a password shows anywhere", () => {
    const raw = `postgres://app:${PASSWORD}@x@db.example:5432/db`;
    expect(redactUrl(`connecting to ${raw} failed`)).toBe("connecting to postgres://app:***@db.example:5432/db failed");
    expect(redactUrl("redis://:p@ss@h:6379/0 and https://t@hooks.example/x")).toBe("redis://:***@h:6379/0 and https://***@hooks.example/x");
    // An encoded password (accepted) never shows either: not in the settings line of `start`,
    // nor on the dashboard's settings page.
    const encoded = `postgres://app:${encodeURIComponent(`${PASSWORD}@x`)}@db.example:5432/db`;
    const settings = testSettings({ DATABASE_URL: encoded, REDIS_URL: `redis://:${encodeURIComponent(`${PASSWORD}#1`)}@127.0.0.1:6379` });
    const shown = [JSON.stringify(describeSettings(settings)), JSON.stringify(visibleSettings(settings)), redactSecrets(`${PASSWORD}@x`)];
    for (const text of shown) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain("Sup3r");
    }
    expect(JSON.stringify(describeSettings(settings))).toContain("postgres://app:***@db.example:5432/db");
  });
});

describe("a roaster website with credentials", () => {
  it("is refused at validation and never printed, from a file or from `roasters add`", async () => {
    const f = file("creds.yaml", `- {slug: creds, name: Creds, website: "https://shop:${PASSWORD}@creds.example"}\n`);
    const imported = await runCli(["roasters", "import", f], env({}));
    expect(imported.code).toBe(2);
    expect(imported.stderr).toContain("creds.website: must not contain credentials");
    const added = await runCli(["roasters", "add", "--slug", "creds", "--name", "Creds", "--url", `https://shop:${PASSWORD}@creds.example`], env({}));
    expect(added.code).toBe(2);
    expect(added.stderr).toContain("creds.website: must not contain credentials");
    for (const r of [imported, added]) expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });
});

describe("file size bound", () => {
  const roasters = (count: number) =>
    `roasters:\n${Array.from({ length: count }, (_, i) => `  - slug: roaster-${i}\n    name: "Roaster number ${i} of a rather long list"\n    website: https://roaster-${i}.example\n    platform: shopify\n    full_cadence: "0 3 1 * *"\n    price_cadence: "0 4 * * 0"\n`).join("")}`;

  it("a 7 MB roasters file, or CONFIG_FILE over the bound, is refused by size with a clear message", async () => {
    const big = file("big.yaml", roasters(40_000));
    expect(big.length).toBeGreaterThan(0);
    const r = await runCli(["roasters", "import", big], env({}));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`larger than ${MAX_CONFIG_FILE_BYTES} bytes`);
    const config = file("big-config.yaml", `LOG_LEVEL: info\n# ${"x".repeat(MAX_CONFIG_FILE_BYTES)}\n`);
    const c = await runCli(["status"], env({ CONFIG_FILE: config }));
    expect(c.code).toBe(2);
    expect(c.stderr).toContain(`CONFIG_FILE: ${config}: larger than ${MAX_CONFIG_FILE_BYTES} bytes`);
  });

  it("a file just under the bound is read and validated within the shipped 256 MB heap", async () => {
    let count = 1000;
    while (Buffer.byteLength(roasters(count * 2)) < MAX_CONFIG_FILE_BYTES) count *= 2;
    while (Buffer.byteLength(roasters(count + 500)) < MAX_CONFIG_FILE_BYTES) count += 500;
    const f = file("just-under.yaml", roasters(count));
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          "--max-old-space-size=256",
          "--import",
          "tsx/esm",
          "-e",
          `const { readRoasterFile } = await import(${JSON.stringify(path.resolve("src/config/roaster-file.ts"))});
           console.log(readRoasterFile(${JSON.stringify(f)}).length);`,
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
    expect(out.code, out.stderr).toBe(0);
    expect(Number(out.stdout.trim())).toBe(count);
  }, 120_000);
});
