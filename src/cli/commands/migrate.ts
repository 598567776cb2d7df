import type { Command } from "commander";
import { migrate, planMigration, type MigrationPlan } from "../../db/migrate.ts";
import { commandContext, printJson, printText, withDatabase } from "../context.ts";

export function registerMigrate(program: Command): void {
  program
    .command("migrate")
    .description("apply the SQL migrations (idempotent; safe to run from several processes at once)")
    .option("--plan", "say what this database is and what migrate would create or alter, changing nothing")
    .option("--json", "with --plan: print the plan as JSON")
    .action(async (opts: { plan?: boolean; json?: boolean }) => {
      const { settings } = commandContext();
      if (opts.plan) {
        const plan = await withDatabase(settings, (db) => planMigration(db));
        if (opts.json) printJson(plan);
        else printText(formatPlan(plan));
        if (plan.installation.problems.length > 0) process.exitCode = 1;
        return;
      }
      const applied = await withDatabase(settings, (db) => migrate(db));
      printText(applied.length === 0 ? "Database is up to date." : `Applied ${applied.length}: ${applied.join(", ")}`);
    });
}

export function formatPlan(plan: MigrationPlan): string {
  const { installation } = plan;
  const lines = [`This database is ${installation.description}.`];
  if (installation.problems.length > 0) {
    lines.push("", "migrate would refuse it:", ...installation.problems.map((p) => `  - ${p}`));
  } else if (plan.pending.length === 0) {
    lines.push("", "Nothing to do: every migration is applied.");
  } else {
    lines.push("", `migrate would apply ${plan.pending.join(", ")}, which would:`);
    if (plan.dryRunError) lines.push(`  (the dry run could not be made: ${plan.dryRunError})`);
    for (const line of foldNewTables(plan.creates)) lines.push(`  create ${line}`);
    for (const line of plan.alters) lines.push(`  alter  ${line}`);
    for (const line of plan.drops) lines.push(`  DROP   ${line}`);
    if (plan.alters.length === 0 && plan.drops.length === 0 && !plan.dryRunError) {
      lines.push("", "Nothing that exists would be altered or dropped.");
    }
  }
  if (installation.warnings.length > 0) {
    lines.push("", "Found, and left alone:", ...installation.warnings.map((w) => `  - ${w}`));
  }
  return lines.join("\n");
}

/** A new table's columns and constraints are part of "create table": listed with it, not apart. */
function foldNewTables(creates: string[]): string[] {
  const isRelation = (l: string) => l.startsWith("table ") || l.startsWith("view ");
  const tables = new Set(creates.filter(isRelation).map((l) => l.split(" ")[1]!));
  const columns = new Map<string, number>();
  const kept: string[] = [];
  for (const line of creates) {
    const owner = /^(?:column|constraint) ([^.]+\.[^.:]+)/.exec(line)?.[1];
    if (owner && tables.has(owner)) {
      if (line.startsWith("column ")) columns.set(owner, (columns.get(owner) ?? 0) + 1);
      continue;
    }
    kept.push(line);
  }
  const order = ["schema", "type", "table", "view", "column", "constraint", "index", "function", "trigger"];
  const rank = (l: string) => order.indexOf(l.split(" ")[0]!);
  return kept
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .map((line) => {
      const table = isRelation(line) ? line.split(" ")[1]! : null;
      return table && columns.has(table) ? `${line} (${columns.get(table)} columns)` : line;
    });
}
