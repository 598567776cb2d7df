import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Queryable } from "../../src/db/database.ts";

// The users' existing database (test/fixtures/users-db/, copied from their reference): their
// schema with a little data, and their RPC functions — what coffee-scraper moves into.

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "users-db");

export const USERS_SCHEMA_SQL = readFileSync(path.join(DIR, "schema.sql"), "utf8");
export const USERS_FUNCTIONS_SQL = readFileSync(path.join(DIR, "functions.sql"), "utf8");

/**
 * Loads their schema and functions, as `psql -f schema.sql -f functions.sql` would. PGlite
 * has gen_random_uuid() built in but no pgcrypto to create, so that one line is left out there.
 */
export async function loadUsersDatabase(db: Queryable & { exec(sql: string): Promise<void> }, engine: "postgres" | "pglite"): Promise<void> {
  const schema = engine === "pglite" ? USERS_SCHEMA_SQL.replace(/^CREATE EXTENSION[^;]*;/m, "") : USERS_SCHEMA_SQL;
  await db.exec(schema);
  await db.exec(USERS_FUNCTIONS_SQL);
}

/** The rows of their tables, for "unchanged by migrate" comparisons. */
export async function usersRows(db: Queryable): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of ["roasters", "product_sources", "coffees", "variants", "prices", "coffee_images", "sensory_params"]) {
    out[table] = await db.query(`SELECT to_jsonb(t) AS row FROM public.${table} t ORDER BY id::text`.replace("ORDER BY id::text", table === "sensory_params" ? "ORDER BY coffee_id::text" : "ORDER BY id::text"));
  }
  return out;
}
