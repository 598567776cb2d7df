import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { CLI_TEST_TIMEOUT, runCli } from "../helpers/cli.ts";
import { testEngines, useTestDatabase } from "../helpers/database.ts";

const tmp = mkdtempSync(path.join(tmpdir(), "cs-cli-"));

function roasterFile(name: string, entries: unknown[]): string {
  const file = path.join(tmp, name);
  writeFileSync(file, stringify({ roasters: entries }));
  return file;
}

const fifty = Array.from({ length: 50 }, (_, i) => ({
  slug: `roaster-${i}`,
  name: `Roaster ${i}`,
  website: `https://roaster-${i}.example.com`,
  ...(i % 2 === 0 ? { platform: "shopify", currency: "INR" } : { platform: "woocommerce" }),
  ...(i % 5 === 0 ? { full_cadence: "*/30 * * * *", allow_frequent_cadence: true, default_concurrency: 2 } : {}),
}));

describe.each(testEngines())("roasters CLI on %s", { timeout: CLI_TEST_TIMEOUT }, (engine) => {
  const database = useTestDatabase(engine, { shareWithChildren: true });
  const env = () => {
    const t = database();
    return t.engine === "postgres" ? { DATABASE_URL: t.url } : { DATA_DIR: t.dataDir };
  };

  it("imports 50 roasters, reads them back from a new process, and re-import updates", async () => {
    const file = roasterFile(`fifty-${engine}.yaml`, fifty);
    const first = await runCli(["roasters", "import", file], env());
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("50 added, 0 updated");

    const listed = await runCli(["roasters", "list", "--json"], env());
    expect(listed.code).toBe(0);
    const roasters = JSON.parse(listed.stdout) as Record<string, unknown>[];
    expect(roasters).toHaveLength(50);
    expect(roasters.find((r) => r.slug === "roaster-10")).toMatchObject({
      name: "Roaster 10",
      website: "https://roaster-10.example.com",
      platform: "shopify",
      currency: "INR",
      full_cadence: "*/30 * * * *",
      allow_frequent_cadence: true,
      price_cadence: "0 4 * * 0",
      default_concurrency: 2,
      alert_price_delta_pct: 10,
      is_active: true,
    });

    const again = await runCli(["roasters", "import", file], env());
    expect(again.stdout).toContain("0 added, 50 updated");
    const sources = await database().withDb((db) => db.query<{ n: number }>("SELECT count(*)::int AS n FROM product_sources"));
    expect(sources[0]!.n).toBe(50);
  });

  it("a file with three bad entries reports all three, exits 2 and writes nothing", async () => {
    const before = await database().withDb((db) => db.query<{ n: number }>("SELECT count(*)::int AS n FROM roasters"));
    const file = roasterFile(`bad-${engine}.yaml`, [
      { slug: "fine-one", name: "Fine", website: "https://fine.example" },
      { slug: "bad-url", name: "Bad URL", website: "not a url" },
      { slug: "bad-cron", name: "Bad Cron", website: "https://c.example", price_cadence: "0 4 * *" },
      { name: "No slug", website: "https://n.example" },
    ]);
    const result = await runCli(["roasters", "import", file], env());
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/bad-url\.website: must be an http\(s\) URL/);
    expect(result.stderr).toMatch(/bad-cron\.price_cadence: invalid cron expression/);
    expect(result.stderr).toMatch(/#3\.slug: /);
    const after = await database().withDb((db) => db.query<{ n: number; fine: number }>(
      "SELECT count(*)::int AS n, count(*) FILTER (WHERE slug = 'fine-one')::int AS fine FROM roasters",
    ));
    expect(after[0]).toEqual({ n: before[0]!.n, fine: 0 });
  });

  it("roasters add validates its options the same way", async () => {
    const ok = await runCli(
      ["roasters", "add", "--slug", "added-one", "--name", "Added", "--url", "https://added.example", "--platform", "woocommerce", "--concurrency", "4"],
      env(),
    );
    expect(ok.code).toBe(0);
    const bad = await runCli(["roasters", "add", "--slug", "added-two", "--name", "Bad", "--url", "https://x.example", "--concurrency", "99"], env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/added-two\.default_concurrency/);
    const rows = await database().withDb((db) => db.query<{ slug: string; default_concurrency: number }>(
      "SELECT slug, default_concurrency FROM roasters WHERE slug LIKE 'added-%'",
    ));
    expect(rows).toEqual([{ slug: "added-one", default_concurrency: 4 }]);
  });
});

describe.each(testEngines())("cadence floor on %s", { timeout: CLI_TEST_TIMEOUT }, (engine) => {
  const database = useTestDatabase(engine, { shareWithChildren: true });
  const env = () => {
    const t = database();
    return t.engine === "postgres" ? { DATABASE_URL: t.url } : { DATA_DIR: t.dataDir };
  };
  const slugs = () =>
    database().withDb((db) => db.query<{ slug: string; allow: boolean | null }>(
      `SELECT r.slug, o.allow_frequent_cadence AS allow FROM roasters r
       LEFT JOIN coffee_scraper.roaster_options o ON o.roaster_id = r.id WHERE r.slug LIKE 'often-%' ORDER BY r.slug`,
    ));

  it("refuses a cadence more frequent than its floor, naming the field and the floor, and writes nothing", async () => {
    const file = roasterFile(`often-${engine}.yaml`, [
      { slug: "often-fine", name: "Fine", website: "https://fine.example" },
      { slug: "often-full", name: "Full", website: "https://f.example", full_cadence: "* * * * *" },
      { slug: "often-price", name: "Price", website: "https://p.example", price_cadence: "*/5 * * * *" },
    ]);
    const result = await runCli(["roasters", "import", file], env());
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /often-full\.full_cadence: "\* \* \* \* \*" fires every 1 min, more often than FULL_CADENCE_MIN_INTERVAL_MS allows \(1 h\); set allow_frequent_cadence: true/,
    );
    expect(result.stderr).toMatch(/often-price\.price_cadence: "\*\/5 \* \* \* \*" fires every 5 min, more often than PRICE_CADENCE_MIN_INTERVAL_MS allows \(15 min\)/);
    expect(await slugs()).toEqual([]);

    // The floor is a setting: lowered, the same file is accepted.
    const lowered = await runCli(["roasters", "import", file], { ...env(), FULL_CADENCE_MIN_INTERVAL_MS: "60000", PRICE_CADENCE_MIN_INTERVAL_MS: "60000" });
    expect(lowered.code, lowered.stderr).toBe(0);
    expect((await slugs()).map((r) => r.slug)).toEqual(["often-fine", "often-full", "often-price"]);
  });

  it("accepts it when the roaster allows it on purpose, in a file or with roasters add", async () => {
    const file = roasterFile(`often-allowed-${engine}.yaml`, [
      { slug: "often-file", name: "File", website: "https://file.example", full_cadence: "* * * * *", allow_frequent_cadence: true },
    ]);
    expect((await runCli(["roasters", "import", file], env())).code).toBe(0);
    const refused = await runCli(["roasters", "add", "--slug", "often-add", "--name", "Add", "--url", "https://add.example", "--full-cadence", "*/10 * * * *"], env());
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/often-add\.full_cadence: .*fires every 10 min/);
    const added = await runCli(
      ["roasters", "add", "--slug", "often-add", "--name", "Add", "--url", "https://add.example", "--full-cadence", "*/10 * * * *", "--allow-frequent-cadence"],
      env(),
    );
    expect(added.code, added.stderr).toBe(0);
    expect((await slugs()).filter((r) => r.slug === "often-add" || r.slug === "often-file")).toEqual([
      { slug: "often-add", allow: true },
      { slug: "often-file", allow: true },
    ]);
  });
});

describe("CLI usage errors", { timeout: CLI_TEST_TIMEOUT }, () => {
  it("unknown commands and options exit 2 with help; --help exits 0", async () => {
    expect((await runCli(["frobnicate"], {})).code).toBe(2);
    expect((await runCli(["roasters", "list", "--colour"], {})).code).toBe(2);
    const help = await runCli(["roasters", "--help"], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("import");
  });
});
