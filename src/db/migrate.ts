import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Database } from "./database.ts";

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");
// Any constant works; it only has to be the same for every coffee-scraper process.
const MIGRATION_LOCK_KEY = 727_001_2026;

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

/**
 * Applies pending migrations in order, each in its own transaction under a transaction-level
 * advisory lock; whoever gets the lock second re-checks and skips what the first applied.
 * Returns the names applied by this call (empty when the database was up to date).
 */
export async function migrate(db: Database, migrations = listMigrations()): Promise<string[]> {
  await db.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`).catch(async (err: unknown) => {
    // Two processes creating the table at once: one loses the race on the catalog; fine.
    const exists = await db.query(`SELECT to_regclass('schema_migrations') AS t`);
    if (!exists[0]?.t) throw err;
  });
  const applied: string[] = [];
  for (const migration of migrations) {
    const done = await db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
      const rows = await tx.query("SELECT 1 FROM schema_migrations WHERE version = $1", [migration.version]);
      if (rows.length > 0) return false;
      await tx.exec(migration.sql);
      await tx.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [migration.version, migration.name]);
      return true;
    });
    if (done) applied.push(migration.name);
  }
  return applied;
}

export async function pendingMigrations(db: Database): Promise<string[]> {
  const exists = await db.query<{ t: string | null }>(`SELECT to_regclass('schema_migrations')::text AS t`);
  const applied = exists[0]?.t
    ? new Set((await db.query<{ version: number }>("SELECT version FROM schema_migrations")).map((r) => r.version))
    : new Set<number>();
  return listMigrations()
    .filter((m) => !applied.has(m.version))
    .map((m) => m.name);
}
