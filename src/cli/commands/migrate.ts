import type { Command } from "commander";
import { migrate } from "../../db/migrate.ts";
import { commandContext, printText, withDatabase } from "../context.ts";

export function registerMigrate(program: Command): void {
  program
    .command("migrate")
    .description("apply the SQL migrations (idempotent; safe to run from several processes at once)")
    .action(async () => {
      const { settings } = commandContext();
      const applied = await withDatabase(settings, (db) => migrate(db));
      printText(applied.length === 0 ? "Database is up to date." : `Applied ${applied.length}: ${applied.join(", ")}`);
    });
}
