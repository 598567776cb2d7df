import { type Command, InvalidArgumentError } from "commander";
import { importRoasters } from "../../app/import-roasters.ts";
import { readRoasterFile, validateRoasterList } from "../../config/roaster-file.ts";
import { cadenceFloorsOf } from "../../config/settings.ts";
import { migrate } from "../../db/migrate.ts";
import { listRoasters } from "../../db/roasters.ts";
import { formatOutlook, roasterOutlook } from "../../scheduler/next.ts";
import { commandContext, printJson, printText, withDatabase } from "../context.ts";

const integer = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError("not a number");
  return n;
};

export function registerRoasters(program: Command): Command {
  const roasters = program.command("roasters").description("roaster configuration");

  roasters
    .command("import")
    .description("validate a YAML/JSON file of roasters, then upsert all of them by slug (or none)")
    .argument("<file>", "YAML or JSON: a list of roasters, at the top level or under `roasters:`")
    .action(async (file: string) => {
      const { settings } = commandContext();
      const configs = readRoasterFile(file, cadenceFloorsOf(settings)); // throws RoasterFileError → exit 2, nothing written
      const result = await withDatabase(settings, async (db) => {
        await migrate(db);
        return importRoasters(db, configs);
      });
      printText(`Imported ${configs.length} roaster(s): ${result.added} added, ${result.updated} updated.`);
    });

  roasters
    .command("add")
    .description("add or update one roaster")
    .requiredOption("--slug <slug>", "unique id, lowercase-with-hyphens")
    .requiredOption("--name <name>", "display name")
    .requiredOption("--url <url>", "the store's website (http/https)")
    .option("--platform <platform>", "shopify | woocommerce | custom (omit to detect)")
    .option("--currency <code>", "ISO 4217 code to pin the store's currency")
    .option("--full-cadence <cron>", "cron (UTC) for full refreshes")
    .option("--price-cadence <cron>", "cron (UTC) for price-only runs")
    .option("--concurrency <n>", "max requests in flight to the store (1-20)", integer)
    .option("--alert-price-delta-pct <pct>", "price move (percent) that raises an alert", integer)
    .option("--allow-frequent-cadence", "on purpose: cadences may fire more often than FULL/PRICE_CADENCE_MIN_INTERVAL_MS")
    .option("--inactive", "add it without scheduling it")
    .action(async (opts: Record<string, string | number | boolean | undefined>) => {
      const { settings } = commandContext();
      const entry = Object.fromEntries(
        Object.entries({
          slug: opts.slug,
          name: opts.name,
          website: opts.url,
          platform: opts.platform,
          currency: opts.currency,
          full_cadence: opts.fullCadence,
          price_cadence: opts.priceCadence,
          default_concurrency: opts.concurrency,
          alert_price_delta_pct: opts.alertPriceDeltaPct,
          is_active: opts.inactive ? false : undefined,
          allow_frequent_cadence: opts.allowFrequentCadence ? true : undefined,
        }).filter(([, v]) => v !== undefined),
      );
      const configs = validateRoasterList("--options", [entry], cadenceFloorsOf(settings));
      const result = await withDatabase(settings, async (db) => {
        await migrate(db);
        return importRoasters(db, configs);
      });
      printText(`${result.added ? "Added" : "Updated"} roaster ${configs[0]!.slug}.`);
    });

  roasters
    .command("list")
    .description("list configured roasters")
    .option("--json", "print a JSON array (snake_case fields as in the roasters table)")
    .action(async (opts: { json?: boolean }) => {
      const { settings } = commandContext();
      const list = await withDatabase(settings, async (db) => {
        await migrate(db);
        return listRoasters(db);
      });
      if (opts.json) {
        printJson(list.map(({ id: _id, source_id: _s, ...config }) => config));
        return;
      }
      if (list.length === 0) {
        printText("No roasters configured. Add some with `coffee-scraper roasters import roasters.yaml`.");
        return;
      }
      for (const r of list) {
        printText(
          `${r.slug.padEnd(28)} ${(r.platform ?? "detect").padEnd(12)} ${r.is_active ? "active  " : "inactive"} ${r.website}`,
        );
      }
    });

  roasters
    .command("next")
    .description("per roaster: the next full and price slot (UTC), whether one is due now, and the last run of each")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const { settings } = commandContext();
      const outlook = await withDatabase(settings, async (db) => {
        await migrate(db);
        return roasterOutlook(db, new Date(), cadenceFloorsOf(settings));
      });
      if (opts.json) printJson(outlook);
      else printText(formatOutlook(outlook));
    });
  return roasters;
}
