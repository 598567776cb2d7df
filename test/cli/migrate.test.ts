import { describe, expect, it } from "vitest";
import { catalogSnapshot } from "../../src/db/catalog.ts";
import { listMigrations } from "../../src/db/migrate.ts";
import { CLI_TEST_TIMEOUT, runCli } from "../helpers/cli.ts";
import { createTestDatabase, testEngines, useTestDatabase } from "../helpers/database.ts";
import { loadUsersDatabase } from "../helpers/users-db.ts";

// `migrate --plan` and `migrate` as a user runs them against the users' database, a foreign
// one and an empty one: what it says, its exit code, and that a refusal or a database error
// is one clear line, never a stack trace (the stack only at LOG_LEVEL=debug).

const STACK = /^\s+at /m;

describe.runIf(testEngines().includes("postgres"))("migrate CLI on postgres", { timeout: CLI_TEST_TIMEOUT }, () => {
  const users = useTestDatabase("postgres", { migrate: false });

  it("--plan on the users' installation says what it is and what would be added, and changes nothing", async () => {
    const { db, url } = users();
    await loadUsersDatabase(db, "postgres");
    const before = await catalogSnapshot(db);
    const plan = await runCli(["migrate", "--plan"], { DATABASE_URL: url });
    expect(plan.stderr).toBe("");
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/^This database is the users' installation \(8 of their tables, nothing of coffee-scraper's yet\)\./);
    expect(plan.stdout).toContain("  create schema coffee_scraper");
    expect(plan.stdout).toContain("  create index public.cs_coffees_roaster_product_idx: btree (roaster_id, platform_product_id) on coffees");
    expect(plan.stdout).toContain("Nothing that exists would be altered or dropped.");
    expect(plan.stdout).not.toMatch(/create (table|function|type) public\./);
    const json = JSON.parse((await runCli(["migrate", "--plan", "--json"], { DATABASE_URL: url })).stdout) as {
      installation: { kind: string };
      drops: string[];
    };
    expect(json.installation.kind).toBe("users");
    expect(json.drops).toEqual([]);
    expect(await catalogSnapshot(db)).toEqual(before);

    const applied = await runCli(["migrate"], { DATABASE_URL: url });
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(new RegExp(`^Applied ${listMigrations().length}: 0001_users_schema`));
    const again = await runCli(["migrate", "--plan"], { DATABASE_URL: url });
    expect(again.stdout).toMatch(new RegExp(`^This database is already coffee-scraper.s \\(migrations ${listMigrations().map((m) => m.version).join(", ")} applied\\)\\.\n\nNothing to do`));
  });

  it("refuses a database it does not recognise in a few plain lines, and a database error is one line", async () => {
    const foreign = await createTestDatabase("postgres", { migrate: false });
    try {
      await foreign.db.exec("CREATE TABLE public.roasters (id serial PRIMARY KEY, title text)");
      const plan = await runCli(["migrate", "--plan"], { DATABASE_URL: foreign.url });
      expect(plan.code).toBe(1);
      expect(plan.stdout).toMatch(/^This database is something else\.\n\nmigrate would refuse it:\n {2}- public has roasters but not/);
      const refused = await runCli(["migrate"], { DATABASE_URL: foreign.url });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^migrate refused: this database is something else\.\n {2}- public has roasters but not .*\nNothing was changed\.\n$/);
      expect(refused.stderr).not.toMatch(STACK);

      // Any command on that database refuses the same way; a database error (here: no such
      // database) is the database's own words on one line.
      const listed = await runCli(["roasters", "list"], { DATABASE_URL: foreign.url });
      expect(listed.code).toBe(1);
      expect(listed.stderr).toMatch(/^migrate refused: /);
      const missing = foreign.url!.replace(/\/[^/]+$/, "/cs_no_such_database");
      const failed = await runCli(["roasters", "list"], { DATABASE_URL: missing });
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/^coffee-scraper: database "cs_no_such_database" does not exist \(SQLSTATE 3D000\)\n$/);
      const debug = await runCli(["roasters", "list"], { DATABASE_URL: missing, LOG_LEVEL: "debug" });
      expect(debug.stderr).toMatch(STACK);
    } finally {
      await foreign.drop();
    }
  });
});

describe("migrate CLI on pglite", { timeout: CLI_TEST_TIMEOUT }, () => {
  const empty = useTestDatabase("pglite", { migrate: false, shareWithChildren: true });

  it("--plan on an empty embedded database lists the users' schema and ours, and changes nothing", async () => {
    const { dataDir } = empty();
    const plan = await runCli(["migrate", "--plan"], { DATA_DIR: dataDir });
    expect(plan.stderr).toBe("");
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/^This database is an empty database\./);
    expect(plan.stdout).toContain("  create table public.variants (20 columns)");
    expect(plan.stdout).toContain("  create table coffee_scraper.held_variants row-level-security (13 columns)");
    const second = await runCli(["migrate", "--plan"], { DATA_DIR: dataDir });
    expect(second.stdout).toMatch(/^This database is an empty database\./);
  });
});
