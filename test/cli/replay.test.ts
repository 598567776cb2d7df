import { readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../../src/cli/context.ts";
import { runCli } from "../helpers/cli.ts";
import { useTestDatabase } from "../helpers/database.ts";
import { insertRoasters, roasterRow } from "../helpers/roasters.ts";
import { startStoreServer, type StoreServer } from "../helpers/store-server.ts";

// `replay` through the real CLI: a bad id is one clear line (exit 2, no stack trace); a run
// whose raw pages were pruned, or whose bodies are gone, ends in one line saying so (exit 1)
// and records no run at all, least of all an `ok` one.

const database = useTestDatabase("pglite", { shareWithChildren: true });
let store: StoreServer;
const env = () => ({ DATA_DIR: database().dataDir, ALLOW_PRIVATE_NETWORKS: "true", HTTP_DELAY_MS: "0", HTTP_JITTER_MS: "0" });
const runCount = () => database().withDb(async (db) => (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM scrape_runs"))[0]!.n);
const lastRunId = () =>
  database().withDb(async (db) => (await db.query<{ id: string }>("SELECT id FROM scrape_runs ORDER BY started_at DESC LIMIT 1"))[0]!.id);

beforeAll(async () => {
  store = await startStoreServer({ platform: "shopify" });
  await database().withDb((db) => insertRoasters(db, [roasterRow({ slug: "replayed", name: "Replayed", website: store.url })]));
});
afterAll(() => store?.close());

const oneLine = (text: string) => {
  const lines = text.trim().split("\n");
  expect(lines, text).toHaveLength(1);
  expect(text).not.toMatch(/^\s+at /m);
  return lines[0]!;
};

describe("replay", () => {
  it("a bad id: not a uuid, or no such run — one line, exit 2", async () => {
    const garbage = await runCli(["replay", "not-a-uuid"], env());
    expect(garbage.code).toBe(EXIT.badInput);
    expect(oneLine(garbage.stderr)).toMatch(/"not-a-uuid" is not a run id/);
    const unknown = await runCli(["replay", "00000000-0000-4000-8000-000000000000"], env());
    expect(unknown.code).toBe(EXIT.badInput);
    expect(oneLine(unknown.stderr)).toMatch(/no scrape run 00000000-0000-4000-8000-000000000000/);
  });

  it("a run whose stored pages were pruned, or whose bodies are gone: one line, exit 1, no run recorded", async () => {
    const scraped = await runCli(["scrape", "replayed"], env());
    expect(scraped.code, scraped.stderr).toBe(0);
    const runId = await lastRunId();
    const ok = await runCli(["replay", runId], env());
    expect(ok.code, ok.stderr).toBe(0);
    expect(oneLine(ok.stdout)).toMatch(/: ok — /);

    // The bodies are gone from the store (the records still name them).
    const artifacts = path.join(database().dataDir, "artifacts");
    const saved = readdirSync(artifacts).map((d) => path.join(artifacts, d));
    for (const dir of saved) rmSync(dir, { recursive: true, force: true });
    const before = await runCount();
    const gone = await runCli(["replay", runId], env());
    expect(gone.code).toBe(EXIT.failed);
    expect(oneLine(gone.stderr)).toMatch(/is no longer in the artifact store \(pruned after ARTIFACTS_RETENTION_DAYS\); nothing replayed/);

    // The records pruned too (retention 0 days): nothing left to replay.
    const pruned = await runCli(["artifacts", "prune", "--days", "0"], env());
    expect(pruned.code, pruned.stderr).toBe(0);
    const none = await runCli(["replay", runId], env());
    expect(none.code).toBe(EXIT.failed);
    expect(oneLine(none.stderr)).toMatch(/has no stored raw pages left .*nothing replayed/);
    expect(await runCount()).toBe(before);
  }, 120_000);
});
