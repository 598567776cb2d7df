import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.ts";
import { POSTGRES_URL } from "../helpers/database.ts";
import { startStoreServer, type StoreServer } from "../helpers/store-server.ts";
import { until } from "../helpers/until.ts";
import { freePort } from "./network.ts";
import { startOwnRedis, type OwnRedis } from "./own-redis.ts";
import { ALL_OUTPUT, spawnCli } from "./processes.ts";

// Secrets never appear in logs, errors or stats. A PostgreSQL role with a password of its own
// (created here), a redis-server of this file's own with `requirepass`, a dashboard token and
// a webhook URL carrying a token: every command below runs with them, including failing ones
// (a wrong database password, an unreachable Redis, a store that errors), and every line any
// of them printed — plus every run's stats in the database — is searched for each secret.

describe.skipIf(!POSTGRES_URL)("secrets never leak", () => {
  const suffix = randomBytes(4).toString("hex");
  const role = `cs_secret_${suffix}`;
  const dbName = `cs_secret_db_${suffix}`;
  const dbPassword = `pw-${randomBytes(12).toString("hex")}`;
  const redisPassword = `rp-${randomBytes(12).toString("hex")}`;
  const dashboardToken = `dt-${randomBytes(12).toString("hex")}`;
  const webhookToken = `wh-${randomBytes(12).toString("hex")}`;
  const SECRETS = [dbPassword, redisPassword, dashboardToken, webhookToken];
  let redis: OwnRedis;
  let store: StoreServer;
  let broken: StoreServer;
  let databaseUrl: string;
  const output: string[] = [];

  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    await admin(`CREATE ROLE ${role} LOGIN PASSWORD '${dbPassword}'`);
    await admin(`CREATE DATABASE ${dbName} OWNER ${role}`);
    const u = new URL(POSTGRES_URL!);
    u.username = role;
    u.password = dbPassword;
    u.pathname = `/${dbName}`;
    databaseUrl = u.toString();
    redis = await startOwnRedis(["--requirepass", redisPassword]);
    store = await startStoreServer({ platform: "shopify" });
    broken = await startStoreServer({ platform: "shopify" });
    broken.addFault({ match: "/products.json", kind: "status", status: 500 });
  });
  afterAll(async () => {
    await store?.close();
    await broken?.close();
    await redis?.kill();
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
    await admin(`DROP ROLE IF EXISTS ${role}`).catch(() => {});
  });

  it("no secret in any log line, error or stats of a day's commands, failures included", async () => {
    const redisUrl = `redis://:${redisPassword}@127.0.0.1:${redis.port}`;
    const env = {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      DASHBOARD_TOKEN: dashboardToken,
      ALERT_WEBHOOK_URL: `http://127.0.0.1:9/hooks/${webhookToken}`,
      ALLOW_PRIVATE_NETWORKS: "true",
      LOG_LEVEL: "debug",
      HTTP_RETRIES: "0",
      HTTP_DELAY_MS: "0",
      QUEUE_PREFIX: `cs-secret-${suffix}`,
      DATA_DIR: mkdtempSync(path.join(tmpdir(), "cs-rel-secret-")),
    };
    const run = async (args: string[], extra: Record<string, string | undefined> = {}) => {
      const r = await runCli(args, { ...env, ...extra });
      output.push(`$ ${args.join(" ")} → ${r.code}\n${r.stdout}\n${r.stderr}`);
      return r;
    };
    expect((await run(["migrate"])).code).toBe(0);
    expect(
      (
        await run([
          "roasters",
          "add",
          "--slug",
          "fine",
          "--name",
          "Fine",
          "--url",
          store.url,
          "--platform",
          "shopify",
        ])
      ).code,
    ).toBe(0);
    expect(
      (
        await run([
          "roasters",
          "add",
          "--slug",
          "broken",
          "--name",
          "Broken",
          "--url",
          broken.url,
          "--platform",
          "shopify",
        ])
      ).code,
    ).toBe(0);
    expect((await run(["scrape", "fine"])).code).toBe(0);
    expect((await run(["scrape", "broken"])).code).toBe(1);
    expect((await run(["schedule", "--once", "--json"])).code).toBe(0);
    await run(["status", "--json"]);
    await run(["roasters", "list", "--json"]);
    await run(["healthcheck", "--json"]);
    // Failures that carry the connection strings: a wrong password, an unreachable server, bad values.
    const wrong = new URL(databaseUrl);
    wrong.password = `${dbPassword}-wrong`;
    await run(["status"], { DATABASE_URL: wrong.toString() }); // refused where the server checks passwords (trust auth lets it in)
    const nowhere = new URL(databaseUrl);
    nowhere.port = String(await freePort());
    expect((await run(["healthcheck", "--timeout", "1500"], { DATABASE_URL: nowhere.toString() })).code).toBe(
      1,
    );
    expect(
      (
        await run(["healthcheck", "--timeout", "1500"], {
          REDIS_URL: `redis://:${redisPassword}@127.0.0.1:${await freePort()}`,
        })
      ).code,
    ).toBe(1);
    expect((await run(["migrate"], { DATABASE_URL: `mysql://u:${dbPassword}@h/db` })).code).toBe(2);
    expect((await run(["migrate"], { REDIS_URL: `http://:${redisPassword}@h` })).code).toBe(2);
    // A worker that consumes the scheduled jobs, with its metrics server, then stops.
    const worker = spawnCli(["worker"], { ...env, METRICS_PORT: "0" });
    await until(
      () => worker.lines().some((l) => l.msg === "job finished") || !worker.alive(),
      30_000,
      "a job on the worker",
    );
    worker.proc.kill("SIGTERM");
    await worker.exit;

    const everything = [...output, ...ALL_OUTPUT].join("\n");
    expect(everything).toContain("job finished"); // the logs really were collected
    for (const secret of SECRETS)
      expect(everything.includes(secret), `a secret in the output:\n${excerpt(everything, secret)}`).toBe(
        false,
      );

    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ text: string }>(
        `SELECT coalesce(string_agg(stats_json::text, '\n'), '') AS text FROM coffee_scraper.runs`,
      );
      expect(rows[0]!.text).toContain("errors");
      for (const secret of SECRETS)
        expect(rows[0]!.text.includes(secret), "a secret in scrape_runs.stats_json").toBe(false);
    } finally {
      await client.end();
    }
  }, 90_000);
});

function excerpt(text: string, secret: string): string {
  const at = text.indexOf(secret);
  return text.slice(Math.max(0, at - 300), at + 100);
}
