import { readdirSync, utimesSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.ts";
import { useTestDatabase } from "../helpers/database.ts";
import { startStoreServer, type StoreServer } from "../helpers/store-server.ts";

// scrape → replay → artifacts prune through the real CLI, on the embedded database.
describe("scrape, replay and artifacts prune from the command line", () => {
  const database = useTestDatabase("pglite", { shareWithChildren: true });
  let store: StoreServer;
  const env = () => ({ DATA_DIR: database().dataDir, HTTP_DELAY_MS: "0", HTTP_JITTER_MS: "0", ALLOW_PRIVATE_NETWORKS: "true" });
  beforeAll(async () => {
    store = await startStoreServer({ platform: "shopify" });
  });
  afterAll(async () => store?.close());

  it("scrapes, replays the run without the network, and prunes old artifacts", async () => {
    const added = await runCli(["roasters", "add", "--slug", "local", "--name", "Local", "--url", store.url, "--platform", "shopify"], env());
    expect(added.code).toBe(0);
    const scrape = await runCli(["scrape", "local", "--type", "full"], env());
    expect(scrape.code).toBe(0);
    const runId = await database().withDb(async (db) => {
      const [run] = await db.query<{ id: string; status: string }>("SELECT id, status FROM coffee_scraper.runs ORDER BY started_at DESC LIMIT 1");
      expect(run!.status).toBe("ok");
      return run!.id;
    });

    const requests = store.requests.length;
    const replay = await runCli(["replay", runId, "--json"], env());
    expect(replay.stderr).toBe("");
    expect(replay.code).toBe(0);
    const summary = JSON.parse(replay.stdout) as { runId: string; status: string; stats: { coffees_upserted: number } };
    expect(summary.status).toBe("ok");
    expect(summary.runId).not.toBe(runId);
    expect(summary.stats.coffees_upserted).toBeGreaterThan(0);
    expect(store.requests.length).toBe(requests);

    const artifactsDir = path.join(database().dataDir, "artifacts");
    const files = readdirSync(artifactsDir, { recursive: true }).filter((f) => String(f).endsWith(".gz"));
    expect(files.length).toBeGreaterThan(0);
    // Fresh bodies survive a prune even when their records go (a job may be about to record them)…
    const young = await runCli(["artifacts", "prune", "--days", "0"], env());
    expect(young.code).toBe(0);
    expect(young.stdout).toMatch(/Pruned [1-9]\d* artifact record\(s\) older than 0 days and 0 stored/);
    // …and go once they are old and nothing refers to them.
    const old = new Date(Date.now() - 2 * 3600_000);
    for (const f of files) utimesSync(path.join(artifactsDir, String(f)), old, old);
    const pruned = await runCli(["artifacts", "prune", "--days", "0"], env());
    expect(pruned.stdout).toContain(`and ${files.length} stored body(ies)`);
    expect(readdirSync(artifactsDir, { recursive: true }).filter((f) => String(f).endsWith(".gz"))).toEqual([]);
  }, 90_000); // five CLI processes, each opening PGlite: ~20 s alone, more on a loaded 2-core machine
});
