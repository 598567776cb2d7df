import { randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, inject } from "vitest";
import type { Database, Queryable } from "../../src/db/database.ts";
import { openDatabase } from "../../src/db/open-database.ts";
import { migrate } from "../../src/db/migrate.ts";

// Each test file gets databases of its own: on PostgreSQL a fresh `cs_test_<random>`
// database created from the server in DATABASE_URL (dropped afterwards); on PGlite a
// fresh temporary directory. Under vitest both start as copies of the run's templates
// (test/helpers/database-templates.ts), already migrated unless `migrate: false`. Suites
// that need PostgreSQL are left out when DATABASE_URL is unset — except under CI=true,
// where a missing server fails the run.

export type Engine = "postgres" | "pglite";

export const POSTGRES_URL = process.env.DATABASE_URL;
export const IN_CI = process.env.CI === "true";

if (IN_CI && !POSTGRES_URL) {
  throw new Error("CI=true but DATABASE_URL is unset: the PostgreSQL suites must run in CI");
}

/** The engines available to this run: PGlite always, PostgreSQL when DATABASE_URL is set. */
export function testEngines(): Engine[] {
  return POSTGRES_URL ? ["pglite", "postgres"] : ["pglite"];
}

export interface TestDatabase {
  engine: Engine;
  db: Database;
  /** Connection string (postgres) or data dir (pglite) other processes can be pointed at. */
  url: string | undefined;
  dataDir: string;
  /**
   * Runs `fn` with a connection. For PGlite this opens the directory only for the call, so
   * child processes (the CLI under test) can own it in between: PGlite allows one process.
   */
  withDb<T>(fn: (db: Database) => Promise<T>): Promise<T>;
  drop(): Promise<void>;
}

/** Creates and migrates a fresh database on `engine`. Call `drop()` when done. */
export async function createTestDatabase(
  engine: Engine,
  options: { migrate?: boolean; shareWithChildren?: boolean } = {},
): Promise<TestDatabase> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "cs-test-"));
  const migrated = options.migrate !== false;
  if (engine === "pglite") {
    const template = provided(migrated ? "pgliteMigrated" : "pgliteBare");
    if (template) cpSync(template, dataDir, { recursive: true });
    let db = await openDatabase({ dataDir });
    if (migrated && !template) await migrate(db);
    if (options.shareWithChildren) await db.close();
    return {
      engine,
      get db(): Database {
        if (options.shareWithChildren) throw new Error("shareWithChildren: use withDb() so child processes can own PGlite");
        return db;
      },
      url: undefined,
      dataDir,
      async withDb(fn) {
        if (!options.shareWithChildren) return fn(db);
        db = await openDatabase({ dataDir });
        try {
          return await fn(db);
        } finally {
          await db.close();
        }
      },
      async drop() {
        if (!options.shareWithChildren) await db.close().catch(() => {});
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  if (!POSTGRES_URL) throw new Error("DATABASE_URL is not set");
  const name = `cs_test_${randomBytes(6).toString("hex")}`;
  const template = migrated ? provided("postgresTemplate") : undefined;
  await adminQuery(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ""}`);
  const url = withDatabaseName(POSTGRES_URL, name);
  const db = await openDatabase({ databaseUrl: url, dataDir });
  if (migrated && !template) await migrate(db);
  return {
    engine,
    db,
    url,
    dataDir,
    withDb: (fn) => fn(db),
    async drop() {
      await db.close().catch(() => {});
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Registers beforeAll/afterAll hooks for one database on `engine` and returns a getter.
 * Use inside a `describe` block.
 */
export function useTestDatabase(
  engine: Engine,
  options: { migrate?: boolean; shareWithChildren?: boolean } = {},
): () => TestDatabase {
  let current: TestDatabase | undefined;
  beforeAll(async () => {
    current = await createTestDatabase(engine, options);
  });
  afterAll(async () => {
    await current?.drop();
  });
  return () => {
    if (!current) throw new Error("test database not ready (use inside a test or hook)");
    return current;
  };
}

/** A template the run's globalSetup made, or undefined outside vitest (benchmarks import these helpers too). */
function provided(key: "pgliteBare" | "pgliteMigrated" | "postgresTemplate"): string | undefined {
  try {
    return inject(key) || undefined;
  } catch {
    return undefined;
  }
}

function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** One statement on the server's maintenance connection (CREATE/DROP DATABASE). */
export async function adminQuery(sql: string, serverUrl = POSTGRES_URL): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Deletes roasters (all, or those named) with everything that hangs off them. The users'
 * tables reference each other without ON DELETE CASCADE, so their rows go child first;
 * coffee-scraper's own rows cascade.
 */
export async function deleteRoasters(db: Queryable, slugs?: string[]): Promise<void> {
  const which = slugs ? "WHERE slug = ANY($1::text[])" : "";
  const params = slugs ? [slugs] : [];
  const roasters = `(SELECT id FROM public.roasters ${which})`;
  const runs = `(SELECT r.id FROM public.scrape_runs r JOIN public.product_sources s ON s.id = r.source_id WHERE s.roaster_id IN ${roasters})`;
  await deleteCoffeesOf(db, roasters, params);
  await db.query(`DELETE FROM public.scrape_artifacts WHERE run_id IN ${runs}`, params);
  await db.query(`DELETE FROM public.scrape_runs WHERE id IN ${runs}`, params);
  await db.query(`DELETE FROM public.roasters ${which}`, params);
}

/** Deletes a roaster's coffees with their variants, prices, images and sensory rows. */
export async function deleteCoffees(db: Queryable, slug: string): Promise<void> {
  await deleteCoffeesOf(db, "(SELECT id FROM public.roasters WHERE slug = $1)", [slug]);
}

async function deleteCoffeesOf(db: Queryable, roasters: string, params: unknown[]): Promise<void> {
  const coffees = `(SELECT id FROM public.coffees WHERE roaster_id IN ${roasters})`;
  await db.query(`DELETE FROM public.prices WHERE variant_id IN (SELECT id FROM public.variants WHERE coffee_id IN ${coffees})`, params);
  await db.query(`DELETE FROM public.variants WHERE coffee_id IN ${coffees}`, params);
  await db.query(`DELETE FROM public.coffee_images WHERE coffee_id IN ${coffees}`, params);
  await db.query(`DELETE FROM public.sensory_params WHERE coffee_id IN ${coffees}`, params);
  await db.query(`DELETE FROM public.coffees WHERE id IN ${coffees}`, params);
}
