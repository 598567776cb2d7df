import type { Queryable } from "./database.ts";

// What a database holds, read from PostgreSQL's own catalog (never from what we assume):
// the objects of the given schemas as comparable lines, one per table, column, constraint,
// index, function, type and trigger. `migrate --plan` diffs two of these; the tests compare
// the users' part of a fresh database with their own schema this way.

export interface CatalogSnapshot {
  /** "kind schema.name: definition" lines, sorted. */
  objects: string[];
}

const OBJECTS_SQL = `
WITH ns AS (SELECT oid, nspname FROM pg_namespace WHERE nspname = ANY ($1::text[]))
SELECT line FROM (
  SELECT 'schema ' || nspname AS line FROM ns
  UNION ALL
  SELECT CASE c.relkind WHEN 'v' THEN 'view ' WHEN 'm' THEN 'view ' ELSE 'table ' END || ns.nspname || '.' || c.relname
         || CASE WHEN c.relpersistence = 'u' THEN ' unlogged' ELSE '' END
         || CASE WHEN c.relrowsecurity THEN ' row-level-security' ELSE '' END
    FROM pg_class c JOIN ns ON ns.oid = c.relnamespace WHERE c.relkind IN ('r', 'p', 'v', 'm')
  UNION ALL
  SELECT 'column ' || ns.nspname || '.' || c.relname || '.' || a.attname || ': ' || format_type(a.atttypid, a.atttypmod)
         || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
         || COALESCE(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN ns ON ns.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE c.relkind IN ('r', 'p', 'v', 'm') AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT 'constraint ' || ns.nspname || '.' || c.relname || ': ' || pg_get_constraintdef(k.oid)
    FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN ns ON ns.oid = c.relnamespace
   WHERE k.contype <> 'n' -- NOT NULL is on the column's line (PostgreSQL 18 also lists it here)
  UNION ALL
  SELECT 'index ' || ns.nspname || '.' || i.relname || ': ' || regexp_replace(pg_get_indexdef(i.oid), '^.* USING ', '')
         || ' on ' || t.relname
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
    JOIN ns ON ns.oid = t.relnamespace
   WHERE NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)
  UNION ALL
  SELECT 'function ' || ns.nspname || '.' || p.proname || '(' || pg_get_function_arguments(p.oid) || ') returns '
         || pg_get_function_result(p.oid) || CASE WHEN p.prosecdef THEN ' security definer' ELSE '' END
    FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace
   WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
  UNION ALL
  SELECT 'type ' || ns.nspname || '.' || t.typname || ': ' ||
         (SELECT string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid)
    FROM pg_type t JOIN ns ON ns.oid = t.typnamespace WHERE t.typtype = 'e'
  UNION ALL
  SELECT 'trigger ' || ns.nspname || '.' || c.relname || '.' || g.tgname || ': ' || regexp_replace(pg_get_triggerdef(g.oid), '^CREATE TRIGGER \\S+ ', '')
    FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN ns ON ns.oid = c.relnamespace WHERE NOT g.tgisinternal
) objects ORDER BY line`;

export async function catalogSnapshot(db: Queryable, schemas: string[] = ["public", "coffee_scraper"]): Promise<CatalogSnapshot> {
  const rows = await db.query<{ line: string }>(OBJECTS_SQL, [schemas]);
  return { objects: rows.map((r) => r.line) };
}

export interface CatalogDiff {
  added: string[];
  removed: string[];
}

export function diffCatalogs(before: CatalogSnapshot, after: CatalogSnapshot): CatalogDiff {
  const had = new Set(before.objects);
  const has = new Set(after.objects);
  return {
    added: after.objects.filter((o) => !had.has(o)),
    removed: before.objects.filter((o) => !has.has(o)),
  };
}

// ——— Functions and the argument-name sets calls are made with ———

export interface FunctionSignature {
  name: string;
  /** Argument names in order. */
  args: string[];
  /** How many trailing arguments have defaults. */
  defaults: number;
  /** As PostgreSQL prints it, for messages. */
  signature: string;
}

export async function publicFunctions(db: Queryable, names: string[]): Promise<FunctionSignature[]> {
  const rows = await db.query<{ name: string; args: string[] | null; defaults: number; signature: string }>(
    `SELECT p.proname AS name, p.proargnames AS args, p.pronargdefaults::int AS defaults,
            p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS signature
       FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.proname = ANY ($1::text[])
      ORDER BY p.proname, p.oid`,
    [names],
  );
  return rows.map((r) => ({ name: r.name, args: r.args ?? [], defaults: r.defaults, signature: r.signature }));
}

/**
 * Whether a call naming exactly `argNames` resolves to `fn`: every name is one of its
 * arguments, and every argument without a default is named. (PostgREST and SQL named
 * notation both resolve this way; two functions of one name that both accept the set
 * make the call ambiguous.)
 */
export function accepts(fn: FunctionSignature, argNames: readonly string[]): boolean {
  const required = fn.args.slice(0, fn.args.length - fn.defaults);
  return argNames.every((a) => fn.args.includes(a)) && required.every((a) => argNames.includes(a));
}
