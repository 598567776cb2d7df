#!/usr/bin/env node
// `npm test`: the whole suite. Suites that need PostgreSQL (DATABASE_URL) or Redis
// (REDIS_URL) are left out when those are unset, and this says so plainly; under CI=true
// nothing may be left out. Ends with one plain "N passed, N failed" line.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const missing = [];
if (!process.env.DATABASE_URL) missing.push(["PostgreSQL", "DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres"]);
if (!process.env.REDIS_URL) missing.push(["Redis", "REDIS_URL=redis://127.0.0.1:6379"]);

if (missing.length > 0) {
  if (process.env.CI === "true") {
    console.error(`CI=true but ${missing.map(([name]) => name).join(" and ")} not configured: nothing may be left out in CI.`);
    process.exit(1);
  }
  console.log("Left out (no server configured):");
  for (const [name, example] of missing) console.log(`  - the ${name} suites: run them with ${example} npm test`);
  console.log("Everything that needs no server (PGlite, local HTTP stores, the embedded queue) runs now.\n");
}

// The tests start the CLI as users do (bin/coffee-scraper.js): through the bundle, built
// fresh from the sources as they are now, so it is what the suite proves.
const built = spawnSync(process.execPath, ["scripts/build-cli.mjs"], { stdio: "inherit" });
if (built.status !== 0) process.exit(built.status ?? 1);

const outDir = mkdtempSync(path.join(tmpdir(), "cs-vitest-"));
const report = path.join(outDir, "report.json");
const result = spawnSync(
  process.execPath,
  [
    "node_modules/vitest/vitest.mjs",
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${report}`,
    ...process.argv.slice(2),
  ],
  { stdio: "inherit", env: { ...process.env, ALLOW_PRIVATE_NETWORKS: "true" } },
);

let summary = null;
try {
  const json = JSON.parse(readFileSync(report, "utf8"));
  summary = { passed: json.numPassedTests, failed: json.numFailedTests, skipped: json.numPendingTests + json.numTodoTests };
} catch {
  // vitest did not get far enough to write a report; its exit code says why
}
rmSync(outDir, { recursive: true, force: true });
if (summary) console.log(`\ntests: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`);
process.exit(result.status ?? 1);
