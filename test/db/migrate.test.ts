import { describe, expect, it } from "vitest";
import { catalogSnapshot } from "../../src/db/catalog.ts";
import type { Database } from "../../src/db/database.ts";
import { openDatabase } from "../../src/db/open-database.ts";
import { listMigrations, migrate, MigrationRefusedError, pendingMigrations, planMigration } from "../../src/db/migrate.ts";
import { createTestDatabase, testEngines, useTestDatabase } from "../helpers/database.ts";
import { loadUsersDatabase } from "../helpers/users-db.ts";

const ALL = listMigrations().map((m) => m.name);

/** The users' part of a catalog: public, without what is ours (cs_* indexes) or a stand-in of theirs (the view). */
async function usersPart(db: Database): Promise<string[]> {
  const { objects } = await catalogSnapshot(db, ["public"]);
  return objects.filter((o) => !/^index public\.cs_/.test(o) && !/variant_computed/.test(o));
}

describe.each(testEngines())("migrations on %s", (engine) => {
  const empty = useTestDatabase(engine, { migrate: false });
  const reference = useTestDatabase(engine, { migrate: false });

  it("on an empty database create the users' schema exactly as theirs, then ours apart; a second run changes nothing", async () => {
    const { db } = empty();
    expect(await pendingMigrations(db)).toEqual(ALL);
    expect(await migrate(db)).toEqual(ALL);

    await loadUsersDatabase(reference().db, engine);
    const theirs = await usersPart(reference().db);
    expect(theirs.some((o) => o.startsWith("function public.rpc_check_content_hash("))).toBe(true);
    expect(await usersPart(db)).toEqual(theirs);

    // Ours live in coffee_scraper, every table with row-level security; nothing of ours is a table in public.
    const ourTables = (await catalogSnapshot(db, ["coffee_scraper"])).objects.filter((o) => o.startsWith("table "));
    expect(ourTables.length).toBeGreaterThanOrEqual(8);
    expect(ourTables.every((t) => t.includes("row-level-security"))).toBe(true);
    const publicTables = (await catalogSnapshot(db, ["public"])).objects.filter((o) => o.startsWith("table "));
    expect(publicTables.map((t) => t.split(" ")[1])).toEqual(
      ["coffee_images", "coffees", "prices", "product_sources", "roasters", "scrape_artifacts", "scrape_runs", "sensory_params", "variants"].map(
        (t) => `public.${t}`,
      ),
    );

    const before = await catalogSnapshot(db);
    const records = await db.query("SELECT version, name, applied_at FROM coffee_scraper.migrations ORDER BY version");
    expect(await migrate(db)).toEqual([]);
    expect(await catalogSnapshot(db)).toEqual(before);
    expect(await db.query("SELECT version, name, applied_at FROM coffee_scraper.migrations ORDER BY version")).toEqual(records);
  });
});

describe.each(testEngines())("what migrate finds, and refuses, on %s", (engine) => {
  const fresh = async () => createTestDatabase(engine, { migrate: false });

  it("another tool's schema_migrations of another shape is neither read nor written", async () => {
    const t = await fresh();
    try {
      await t.db.exec(`CREATE TABLE public.schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL);
                       INSERT INTO public.schema_migrations VALUES (20240101, false);`);
      const plan = await planMigration(t.db);
      expect(plan.installation.kind).toBe("empty");
      expect(await migrate(t.db)).toEqual(ALL);
      expect(await t.db.query("SELECT version, dirty FROM public.schema_migrations")).toEqual([{ version: 20240101, dirty: false }]);
    } finally {
      await t.drop();
    }
  });

  it("--plan says what each kind of database is, lists what it would create, and changes nothing", async () => {
    const t = await fresh();
    try {
      const emptyPlan = await planMigration(t.db);
      expect(emptyPlan.installation.kind).toBe("empty");
      expect(emptyPlan.creates).toContain("schema coffee_scraper");
      expect(emptyPlan.creates.some((l) => l.startsWith("table public.coffees"))).toBe(true);

      await loadUsersDatabase(t.db, engine);
      const before = await catalogSnapshot(t.db);
      const usersPlan = await planMigration(t.db);
      expect(usersPlan.installation.kind).toBe("users");
      expect(usersPlan.installation.problems).toEqual([]);
      expect(usersPlan.dryRunError).toBeNull();
      expect(usersPlan.drops).toEqual([]);
      expect(usersPlan.alters).toEqual([]);
      // Nothing of theirs is created again: only our schema, our functions and cs_* indexes on their tables.
      expect(usersPlan.creates.filter((l) => /^(table|function|type|trigger) public\./.test(l))).toEqual([]);
      expect(usersPlan.creates).toContain("index public.cs_coffees_roaster_product_idx: btree (roaster_id, platform_product_id) on coffees");
      expect(await catalogSnapshot(t.db)).toEqual(before);

      await migrate(t.db);
      const oursPlan = await planMigration(t.db);
      expect(oursPlan.installation.kind).toBe("ours");
      expect(oursPlan.pending).toEqual([]);
    } finally {
      await t.drop();
    }
  });

  it("reports overloads that make their client's calls ambiguous, leaves them alone, and never picks one itself", async () => {
    const t = await fresh();
    try {
      await loadUsersDatabase(t.db, engine);
      // The older 10-argument rpc_upsert_variant their generated types still list.
      await t.db.exec(`CREATE FUNCTION rpc_upsert_variant(
          p_coffee_id uuid, p_platform_variant_id text, p_sku text, p_weight_g integer, p_grind grind_enum DEFAULT NULL,
          p_currency text DEFAULT NULL, p_in_stock boolean DEFAULT NULL, p_source_raw jsonb DEFAULT NULL,
          p_compare_at_price numeric DEFAULT NULL, p_pack_count integer DEFAULT NULL) RETURNS uuid
        LANGUAGE sql AS $$ SELECT NULL::uuid $$;`);
      const plan = await planMigration(t.db);
      expect(plan.installation.problems).toEqual([]);
      expect(plan.installation.warnings).toEqual([
        expect.stringMatching(/^rpc_upsert_variant has 2 versions; their client's call with always sent \(p_coffee_id, p_platform_variant_id, p_sku, p_weight_g\) is ambiguous between /),
      ]);
      await migrate(t.db);
      const overloads = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_proc WHERE proname = 'rpc_upsert_variant'");
      expect(overloads[0]!.n).toBe(2);
      // Our own calls always name p_stock_qty and p_subscription_available: only the 12-argument one takes them.
      const [row] = await t.db.query<{ id: string }>(
        `SELECT rpc_upsert_variant(p_coffee_id := '22222222-2222-2222-2222-222222222222', p_platform_variant_id := '9001',
           p_sku := 'ATT-250', p_weight_g := 250, p_stock_qty := 3, p_subscription_available := false) AS id`,
      );
      expect(row!.id).toBe("33333333-3333-3333-3333-333333333333");
    } finally {
      await t.drop();
    }
  });

  it("refuses a database it does not recognise, and one with coffee-scraper 0.1's layout, changing nothing", async () => {
    const t = await fresh();
    try {
      await t.db.exec(`CREATE TABLE public.roasters (id serial PRIMARY KEY, title text);
                       CREATE TABLE public.coffees (id serial PRIMARY KEY, roaster int);`);
      const before = await catalogSnapshot(t.db);
      const plan = await planMigration(t.db);
      expect(plan.installation.kind).toBe("foreign");
      expect(plan.installation.problems.join("\n")).toMatch(/public has roasters, coffees but not product_sources/);
      await expect(migrate(t.db)).rejects.toBeInstanceOf(MigrationRefusedError);
      expect(await catalogSnapshot(t.db)).toEqual(before);

      await t.db.exec(`DROP TABLE public.roasters, public.coffees;
        CREATE TABLE public.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz);
        INSERT INTO public.schema_migrations VALUES (1, '0001_core_schema', now());
        CREATE TABLE public.roaster_leases (roaster_id uuid PRIMARY KEY);`);
      const legacy = await planMigration(t.db);
      expect(legacy.installation.kind).toBe("legacy");
      await expect(migrate(t.db)).rejects.toThrow(/coffee-scraper 0\.1/);
    } finally {
      await t.drop();
    }
  });

  it("refuses, naming them, duplicates under a key it needs, and changes nothing", async () => {
    const t = await fresh();
    try {
      await loadUsersDatabase(t.db, engine);
      await t.db.exec(`INSERT INTO coffees (name, slug, roaster_id, platform_product_id)
                       VALUES ('Attikan again', 'attikan-estate-2', '550e8400-e29b-41d4-a716-446655440000', '7001');`);
      const before = await catalogSnapshot(t.db);
      const plan = await planMigration(t.db);
      expect(plan.installation.problems).toEqual([
        expect.stringMatching(
          /^public\.coffees has 2 rows with the same \(roaster_id, platform_product_id\) = \(550e8400-e29b-41d4-a716-446655440000, 7001\): ids .*22222222-2222-2222-2222-222222222222/,
        ),
      ]);
      const refusal = await migrate(t.db).catch((err: unknown) => err);
      expect(refusal).toBeInstanceOf(MigrationRefusedError);
      expect((refusal as Error).message).toMatch(/users' installation[\s\S]*22222222-2222-2222-2222-222222222222[\s\S]*Nothing was changed/);
      expect(await catalogSnapshot(t.db)).toEqual(before);
    } finally {
      await t.drop();
    }
  });

  it("adds a unique key their functions upsert by where an installation lacks it — after checking for duplicates", async () => {
    const t = await fresh();
    try {
      await loadUsersDatabase(t.db, engine);
      await t.db.exec(`ALTER TABLE coffee_images DROP CONSTRAINT coffee_images_coffee_id_url_key;
        INSERT INTO coffee_images (coffee_id, url) VALUES ('22222222-2222-2222-2222-222222222222', 'https://cdn.example/attikan.jpg');`);
      const plan = await planMigration(t.db);
      expect(plan.installation.problems).toEqual([expect.stringMatching(/public\.coffee_images has 2 rows with the same \(coffee_id, url\)/)]);
      await t.db.exec(`DELETE FROM coffee_images WHERE id = (SELECT max(id::text)::uuid FROM coffee_images)`);
      const fixed = await planMigration(t.db);
      expect(fixed.creates).toContain("index public.cs_coffee_images_coffee_id_url_key: btree (coffee_id, url) on coffee_images");
      await migrate(t.db);
      await expect(
        t.db.query(`INSERT INTO coffee_images (coffee_id, url) VALUES ('22222222-2222-2222-2222-222222222222', 'https://cdn.example/attikan.jpg')`),
      ).rejects.toThrow(/cs_coffee_images_coffee_id_url_key/);
    } finally {
      await t.drop();
    }
  });
});

describe.runIf(testEngines().includes("postgres"))("concurrent migrate on postgres", () => {
  it("two processes migrating at once apply each migration exactly once", async () => {
    const target = await createTestDatabase("postgres", { migrate: false });
    try {
      const other = await openDatabase({ databaseUrl: target.url, dataDir: target.dataDir });
      const [a, b] = await Promise.all([migrate(target.db), migrate(other)]);
      await other.close();
      expect([...a, ...b].sort()).toEqual([...ALL].sort());
      const rows = await target.db.query<{ n: number }>("SELECT count(*)::int AS n FROM coffee_scraper.migrations");
      expect(rows[0]!.n).toBe(ALL.length);
    } finally {
      await target.drop();
    }
  });
});
