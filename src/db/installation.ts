import { accepts, publicFunctions, type FunctionSignature } from "./catalog.ts";
import type { Queryable } from "./database.ts";
import { LOOKUP_KEYS, OUR_CALLS, USERS_CALLS, USERS_TABLES } from "./users-contract.ts";

// What a database is before `migrate` touches it, read from its catalog:
//   empty    — none of the users' tables and nothing of ours (other tables are left alone)
//   users    — the users' installation: their tables, none of ours yet
//   ours     — coffee-scraper has migrated it (maybe with migrations pending)
//   legacy   — coffee-scraper 0.1's layout (its own tables beside theirs in `public`)
//   foreign  — something else: some of the users' tables, or tables of that name in another shape
// plus what would make writes fail or their calls ambiguous.

export type InstallationKind = "empty" | "users" | "ours" | "legacy" | "foreign";

export interface Installation {
  kind: InstallationKind;
  /** One line saying what this database is. */
  description: string;
  /** Reasons `migrate` refuses: a foreign layout, duplicates under a key we need, … */
  problems: string[];
  /** Worth knowing, not blocking: overloads that make their own client's calls ambiguous. */
  warnings: string[];
  /** Migration versions already applied (ours only). */
  applied: number[];
}

const KIND_LABEL: Record<InstallationKind, string> = {
  empty: "an empty database",
  users: "the users' installation",
  ours: "already coffee-scraper's",
  legacy: "a coffee-scraper 0.1 database",
  foreign: "something else",
};

export async function inspectInstallation(db: Queryable): Promise<Installation> {
  const ours = await hasOurMigrations(db);
  const applied = ours
    ? (await db.query<{ version: number }>("SELECT version FROM coffee_scraper.migrations ORDER BY version")).map((r) => r.version)
    : [];
  const columns = await publicColumns(db, Object.keys(USERS_TABLES));
  const present = Object.keys(USERS_TABLES).filter((t) => columns.has(t));
  const problems: string[] = [];
  const warnings: string[] = [];
  let kind: InstallationKind;

  if (!ours && (await isLegacyLayout(db))) {
    kind = "legacy";
    problems.push(
      "this database has coffee-scraper 0.1's layout (its schema_migrations and tables in public), which predates the users' schema; " +
        "point DATABASE_URL (or DATA_DIR) at a new database, run `migrate`, then `roasters import` your roasters file",
    );
  } else if (present.length === 0) {
    kind = ours ? "foreign" : "empty";
    if (ours) problems.push("coffee-scraper's migration records are here but the users' tables are not (dropped by hand?)");
  } else if (present.length < Object.keys(USERS_TABLES).length) {
    kind = "foreign";
    const missing = Object.keys(USERS_TABLES).filter((t) => !columns.has(t));
    problems.push(
      `public has ${present.join(", ")} but not ${missing.join(", ")}: not the users' schema, and coffee-scraper will not create half of it beside someone else's tables`,
    );
  } else {
    kind = ours ? "ours" : "users";
    for (const [table, needed] of Object.entries(USERS_TABLES)) {
      const have = columns.get(table)!;
      const lacking = needed.filter((c) => !have.has(c));
      if (lacking.length > 0) problems.push(`public.${table} has no column ${lacking.join(", ")}: not the users' schema as documented`);
    }
    if (problems.length > 0) kind = "foreign";
  }

  if (kind === "users" || kind === "ours") {
    const fns = await publicFunctions(db, [...new Set([...Object.keys(USERS_CALLS), ...Object.keys(OUR_CALLS)])]);
    problems.push(...ourCallProblems(fns));
    warnings.push(...ambiguousUserCalls(fns));
    problems.push(...(await duplicateKeyProblems(db)));
  }

  const detail =
    kind === "ours"
      ? ` (migrations ${applied.length ? applied.join(", ") : "none"} applied)`
      : kind === "users"
        ? ` (${present.length} of their tables, nothing of coffee-scraper's yet)`
        : "";
  return { kind, description: `${KIND_LABEL[kind]}${detail}`, problems, warnings, applied };
}

async function hasOurMigrations(db: Queryable): Promise<boolean> {
  const [row] = await db.query<{ t: string | null }>("SELECT to_regclass('coffee_scraper.migrations')::text AS t");
  return Boolean(row?.t);
}

async function isLegacyLayout(db: Queryable): Promise<boolean> {
  const [row] = await db.query<{ legacy: boolean }>(
    `SELECT to_regclass('public.schema_migrations') IS NOT NULL
        AND to_regclass('public.roaster_leases') IS NOT NULL
        AND EXISTS (SELECT 1 FROM information_schema.columns
                     WHERE table_schema = 'public' AND table_name = 'schema_migrations' AND column_name = 'name') AS legacy`,
  );
  if (!row?.legacy) return false;
  const [named] = await db.query<{ ours: boolean }>(
    "SELECT EXISTS (SELECT 1 FROM public.schema_migrations WHERE name = '0001_core_schema') AS ours",
  );
  return Boolean(named?.ours);
}

async function publicColumns(db: Queryable, tables: string[]): Promise<Map<string, Set<string>>> {
  const rows = await db.query<{ table_name: string; column_name: string }>(
    `SELECT c.relname AS table_name, a.attname AS column_name
       FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND c.relname = ANY ($1::text[])
        AND a.attnum > 0 AND NOT a.attisdropped`,
    [tables],
  );
  const byTable = new Map<string, Set<string>>();
  for (const r of rows) {
    const set = byTable.get(r.table_name) ?? new Set<string>();
    set.add(r.column_name);
    byTable.set(r.table_name, set);
  }
  return byTable;
}

/** Each of our calls must resolve to exactly one existing function (or the name must be free). */
function ourCallProblems(fns: FunctionSignature[]): string[] {
  const problems: string[] = [];
  for (const [name, shapes] of Object.entries(OUR_CALLS)) {
    const overloads = fns.filter((f) => f.name === name);
    if (overloads.length === 0) continue; // created by migrate
    for (const shape of shapes) {
      const matching = overloads.filter((f) => accepts(f, shape));
      if (matching.length === 0) {
        problems.push(
          `${name} exists but no version of it takes the arguments coffee-scraper passes (${shape.join(", ")}): ` +
            `found ${overloads.map((f) => f.signature).join("; ")}`,
        );
      } else if (matching.length > 1) {
        problems.push(
          `${name}: coffee-scraper's call (${shape.join(", ")}) would be ambiguous between ${matching.map((f) => f.signature).join(" and ")}`,
        );
      }
    }
  }
  return problems;
}

/** Overloads of one of their functions that both accept one of their client's call shapes. */
function ambiguousUserCalls(fns: FunctionSignature[]): string[] {
  const warnings: string[] = [];
  for (const [name, shape] of Object.entries(USERS_CALLS)) {
    const overloads = fns.filter((f) => f.name === name);
    if (overloads.length < 2) continue;
    const calls = [
      { label: "always sent", args: shape.always },
      { label: "every argument", args: [...shape.always, ...shape.optional] },
    ];
    for (const call of calls) {
      const matching = overloads.filter((f) => accepts(f, call.args));
      if (matching.length > 1) {
        warnings.push(
          `${name} has ${overloads.length} versions; their client's call with ${call.label} (${call.args.join(", ")}) ` +
            `is ambiguous between ${matching.map((f) => f.signature).join(" and ")}: drop the one that is not in use`,
        );
      }
    }
  }
  return warnings;
}

/** Duplicates under a key coffee-scraper looks rows up by: named, so they can be resolved. */
async function duplicateKeyProblems(db: Queryable): Promise<string[]> {
  const problems: string[] = [];
  for (const key of LOOKUP_KEYS) {
    const cols = key.columns.map((c) => `"${c}"`).join(", ");
    const rows = await db.query<{ key: string; n: number; ids: string[] }>(
      `SELECT concat_ws(', ', ${cols}) AS key, count(*)::int AS n, (array_agg(id::text ORDER BY id))[1:5] AS ids
         FROM public."${key.table}" ${key.where ? `WHERE ${key.where}` : ""}
        GROUP BY ${cols} HAVING count(*) > 1 ORDER BY count(*) DESC LIMIT 10`,
    );
    for (const r of rows) {
      problems.push(
        `public.${key.table} has ${r.n} rows with the same (${key.columns.join(", ")}) = (${r.key}): ids ${r.ids.join(", ")}; ` +
          `coffee-scraper needs one row per key — merge or delete the duplicates first`,
      );
    }
  }
  return problems;
}
