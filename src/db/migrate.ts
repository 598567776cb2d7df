import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { PACKAGE_ROOT } from "../core/package-root.ts";
import { catalogSnapshot, diffCatalogs } from "./catalog.ts";
import type { Database, Queryable } from "./database.ts";
import { inspectInstallation, type Installation } from "./installation.ts";

const MIGRATIONS_DIR = path.join(PACKAGE_ROOT, "src/db/migrations");
// Any constant works; it only has to be the same for every coffee-scraper process.
const MIGRATION_LOCK_KEY = 727_001_2026;

// Our migration records live in our own schema, so another tool's `public.schema_migrations`
// (of whatever shape) is never read or written.
const RECORDS_DDL = `CREATE SCHEMA IF NOT EXISTS coffee_scraper;
CREATE TABLE IF NOT EXISTS coffee_scraper.migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE coffee_scraper.migrations ENABLE ROW LEVEL SECURITY;`;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => ({
      version: Number(file.slice(0, 4)),
      name: file.replace(/\.sql$/, ""),
      sql: readFileSync(path.join(dir, file), "utf8"),
    }));
}

/** `migrate` would not touch this database: what it is and why, one line each. */
export class MigrationRefusedError extends Error {
  constructor(readonly installation: Installation) {
    super(
      `migrate refused: this database is ${installation.description}.\n` +
        installation.problems.map((p) => `  - ${p}`).join("\n") +
        "\nNothing was changed.",
    );
    this.name = "MigrationRefusedError";
  }
}

/**
 * Applies the pending migrations in one transaction under an advisory lock, after reading
 * what the database is: a database it does not recognise, or one with duplicates under a
 * key it needs, is refused and left exactly as it was. Whoever gets the lock second finds
 * the migrations applied. Returns the names applied by this call.
 */
export async function migrate(db: Database, migrations = listMigrations()): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
    const pending = await pendingIn(tx, migrations);
    if (pending.length === 0) return [];
    const installation = await inspectInstallation(tx);
    if (installation.problems.length > 0) throw new MigrationRefusedError(installation);
    await applyAll(tx, pending);
    return pending.map((m) => m.name);
  });
}

async function pendingIn(db: Queryable, migrations: Migration[]): Promise<Migration[]> {
  const [row] = await db.query<{ t: string | null }>("SELECT to_regclass('coffee_scraper.migrations')::text AS t");
  if (!row?.t) return migrations;
  const applied = new Set(
    (await db.query<{ version: number }>("SELECT version FROM coffee_scraper.migrations")).map((r) => r.version),
  );
  return migrations.filter((m) => !applied.has(m.version));
}

async function applyAll(tx: Queryable, pending: Migration[]): Promise<void> {
  await tx.exec(RECORDS_DDL);
  for (const migration of pending) {
    await tx.exec(migration.sql);
    await tx.query("INSERT INTO coffee_scraper.migrations (version, name) VALUES ($1, $2)", [
      migration.version,
      migration.name,
    ]);
  }
}

export async function pendingMigrations(db: Queryable): Promise<string[]> {
  return (await pendingIn(db, listMigrations())).map((m) => m.name);
}

export interface MigrationPlan {
  installation: Installation;
  pending: string[];
  /** Catalog objects migrate would add ("table coffee_scraper.x", "index public.cs_…: …"). */
  creates: string[];
  /** Objects it would change: the same name before and after, with another definition. */
  alters: string[];
  /** Objects it would remove: must stay empty for anything of theirs. */
  drops: string[];
  /** Set when the dry run could not be made (refused, or a lock not granted in time). */
  dryRunError: string | null;
}

class DryRunRollback extends Error {}

/**
 * What `migrate` would do, changing nothing: the database's kind and problems, then the
 * pending migrations applied inside a transaction that is always rolled back, and the
 * catalog before and after compared. Locks are waited for at most a few seconds.
 */
export async function planMigration(db: Database, migrations = listMigrations()): Promise<MigrationPlan> {
  const pending = await pendingIn(db, migrations);
  const installation = await inspectInstallation(db);
  const plan: MigrationPlan = {
    installation,
    pending: pending.map((m) => m.name),
    creates: [],
    alters: [],
    drops: [],
    dryRunError: null,
  };
  if (pending.length === 0 || installation.problems.length > 0) return plan;
  try {
    await db.transaction(async (tx) => {
      await tx.query("SET LOCAL lock_timeout = '5s'");
      const before = await catalogSnapshot(tx);
      await applyAll(tx, pending);
      const diff = diffCatalogs(before, await catalogSnapshot(tx));
      const identity = (line: string) => line.replace(/:.*$/, "").replace(/\(.*$/, "");
      const removedIds = new Map(diff.removed.map((l) => [identity(l), l]));
      for (const line of diff.added) {
        if (removedIds.has(identity(line))) {
          plan.alters.push(`${removedIds.get(identity(line))}  →  ${line}`);
          removedIds.delete(identity(line));
        } else plan.creates.push(line);
      }
      plan.drops.push(...removedIds.values());
      throw new DryRunRollback();
    });
  } catch (err) {
    if (!(err instanceof DryRunRollback)) plan.dryRunError = (err as Error).message;
  }
  return plan;
}
