import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.ts";
import { POSTGRES_URL, useTestDatabase } from "../helpers/database.ts";
import { startStoreServer, type StoreServer } from "../helpers/store-server.ts";
import { addRoasters } from "./fleet.ts";

// Invalid settings and roaster files through the real CLI (every bad value named, nothing
// written), and SSRF through the real `scrape` command with the default
// ALLOW_PRIVATE_NETWORKS (false): roasters whose website is a loopback, private, link-local
// (cloud metadata) or IPv6 loopback address, or a DNS name resolving to one, are refused
// before any request reaches the server, with a permanent error in the run's stats.

describe("invalid settings and roaster files", () => {
  it("every bad setting is named, with its problem; nothing is created", async () => {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), "cs-rel-cfg-")), "data");
    const bad = {
      REDIS_URL: "http://not-redis",
      WORKER_CONCURRENCY: "0",
      HTTP_DELAY_MS: "-1",
      HTTP_TIMEOUT_MS: "soon",
      LOG_LEVEL: "loud",
      QUEUE_PREFIX: "a b",
      DASHBOARD_TOKEN: "short",
      ALERT_WEBHOOK_URL: "ftp://hooks.example/x",
      ALLOW_PRIVATE_NETWORKS: "maybe",
      SCHEDULER_TICK_MS: "10",
      DASHBOARD_PORT: "70000",
    };
    const result = await runCli(["migrate"], { DATA_DIR: dataDir, ...bad });
    expect(result.code).toBe(2);
    for (const name of Object.keys(bad)) expect(result.stderr, name).toContain(name);
    expect(existsSync(dataDir) && readdirSync(dataDir).length > 0).toBe(false);
  });

  it("a config file with unknown and bad keys: each named, nothing runs", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cs-rel-cfg-"));
    writeFileSync(
      path.join(dir, "config.yaml"),
      "WORKER_CONCURENCY: 3\nHTTP_RETRIES: 99\nDATABASE_URL: mysql://u:p@h/db\n",
    );
    const result = await runCli(["migrate"], {
      DATA_DIR: path.join(dir, "data"),
      CONFIG_FILE: path.join(dir, "config.yaml"),
    });
    expect(result.code).toBe(2);
    for (const name of ["WORKER_CONCURENCY", "HTTP_RETRIES", "DATABASE_URL"])
      expect(result.stderr, name).toContain(name);
    expect(result.stderr).not.toContain("u:p@");
    expect(existsSync(path.join(dir, "data"))).toBe(false);
  });
});

describe.skipIf(!POSTGRES_URL)("invalid roaster files and SSRF through the CLI", () => {
  const testDb = useTestDatabase("postgres");
  let store: StoreServer;

  beforeAll(async () => {
    store = await startStoreServer({ platform: "shopify" });
  });
  afterAll(async () => {
    await store?.close();
  });

  it("a roaster file with bad entries: every bad value named as <slug>.<field>, nothing written", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cs-rel-roasters-"));
    const file = path.join(dir, "roasters.yaml");
    writeFileSync(
      file,
      [
        "roasters:",
        "  - { slug: good-one, name: Good, website: https://good.example }",
        "  - { slug: Bad Slug, name: X, website: https://x.example }",
        "  - { slug: bad-url, name: X, website: 'javascript:alert(1)' }",
        "  - { slug: bad-cron, name: X, website: https://x.example, full_cadence: '0 3 1 *' }",
        "  - { slug: bad-conc, name: X, website: https://x.example, default_concurrency: 500 }",
        "  - { slug: bad-currency, name: X, website: https://x.example, currency: rupees }",
        "  - { slug: bad-platform, name: X, website: https://x.example, platform: magento }",
        "  - { slug: bad-alert, name: X, website: https://x.example, alert_price_delta_pct: -3 }",
        "  - { slug: good-one, name: Duplicate, website: https://dup.example }",
        "  - { name: no-slug, website: https://x.example }",
      ].join("\n"),
    );
    const result = await runCli(["roasters", "import", file], { DATABASE_URL: testDb().url! });
    expect(result.code).toBe(2);
    const out = result.stderr + result.stdout;
    for (const expected of [
      "slug",
      "bad-url.website",
      "bad-cron.full_cadence",
      "bad-conc.default_concurrency",
      "bad-currency.currency",
      "bad-platform.platform",
      "bad-alert.alert_price_delta_pct",
      "good-one",
      "#9",
    ]) {
      expect(out, expected).toContain(expected);
    }
    expect(await testDb().db.query("SELECT slug FROM roasters")).toEqual([]);
  });

  const port = () => store.port;
  const cases: [string, () => string][] = [
    ["127.0.0.1", () => `http://127.0.0.1:${port()}`],
    ["[::1]", () => `http://[::1]:${port()}`],
    ["[::127.0.0.1] (IPv4-compatible IPv6, ::/96)", () => `http://[::127.0.0.1]:${port()}`],
    ["10/8", () => "http://10.1.2.3"],
    ["169.254.169.254 (metadata)", () => "http://169.254.169.254"],
    ["a DNS name resolving to loopback (localhost)", () => `http://localhost:${port()}`],
    ["the short form 127.1", () => `http://127.1:${port()}`],
  ];

  it.each(cases)(
    "a roaster at %s is refused without a request, a permanent error in the run",
    async (_name, website) => {
      const slug = `ssrf-${Math.random().toString(36).slice(2, 8)}`;
      await addRoasters(testDb().db, [{ slug, url: website(), platform: "shopify" }]);
      const before = store.requests.length;
      const env = {
        DATABASE_URL: testDb().url!,
        HTTP_TIMEOUT_MS: "3000",
        HTTP_RETRIES: "0",
        DATA_DIR: mkdtempSync(path.join(tmpdir(), "cs-rel-ssrf-")),
      };
      const refused = await runCli(["scrape", slug], { ...env, ALLOW_PRIVATE_NETWORKS: undefined });
      expect(refused.code).toBe(1);
      expect(refused.stderr + refused.stdout).toMatch(/refused|private|not allowed|loopback|link-local/i);
      expect(store.requests.length).toBe(before);
      const [run] = await testDb().db.query<{
        status: string;
        stats_json: { errors: { retry?: string; message: string }[] };
      }>(
        `SELECT sr.status, sr.stats_json FROM coffee_scraper.runs sr JOIN product_sources ps ON ps.id = sr.source_id
         JOIN roasters r ON r.id = ps.roaster_id WHERE r.slug = $1`,
        [slug],
      );
      expect(run!.status).toBe("fail");
      expect(run!.stats_json.errors.some((e) => e.retry === "permanent")).toBe(true);
    },
  );

  it("the same loopback store is read when ALLOW_PRIVATE_NETWORKS=true", async () => {
    await addRoasters(testDb().db, [{ slug: "allowed", url: store.url, platform: "shopify" }]);
    const allowed = await runCli(["scrape", "allowed"], {
      DATABASE_URL: testDb().url!,
      ALLOW_PRIVATE_NETWORKS: "true",
      DATA_DIR: mkdtempSync(path.join(tmpdir(), "cs-rel-ssrf-")),
    });
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(store.requests.some((r) => r.path.startsWith("/products.json"))).toBe(true);
  });
});
