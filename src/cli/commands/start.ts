import { existsSync } from "node:fs";
import type { Command } from "commander";
import { importRoasters } from "../../config/import-roasters.ts";
import { readRoasterFile } from "../../config/roaster-file.ts";
import { describeSettings } from "../../config/settings.ts";
import { migrate } from "../../db/migrate.ts";
import { listRoasters } from "../../db/roasters.ts";
import { commandContext, withDatabase } from "../context.ts";

export function registerStart(program: Command): void {
  program
    .command("start")
    .description("all-in-one: migrate, import ROASTERS_FILE if present, then scrape on schedule")
    .action(async () => {
      const { settings, log } = commandContext({ fd: 1 });
      log.info({ settings: describeSettings(settings) }, "starting");
      await withDatabase(settings, async (db) => {
        const applied = await migrate(db);
        log.info({ engine: db.engine, applied }, "database ready");
        if (existsSync(settings.ROASTERS_FILE)) {
          const result = await importRoasters(db, readRoasterFile(settings.ROASTERS_FILE));
          log.info({ file: settings.ROASTERS_FILE, ...result }, "roasters imported");
        }
        const roasters = await listRoasters(db);
        if (roasters.length === 0) {
          log.warn(
            `no roasters configured: copy roasters.example.yaml to ${settings.ROASTERS_FILE} ` +
              "or run `coffee-scraper roasters add --slug … --name … --url …`",
          );
        } else {
          log.info({ roasters: roasters.length, active: roasters.filter((r) => r.is_active).length }, "roasters configured");
        }
      });
    });
}
