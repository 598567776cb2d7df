import { type Command, InvalidArgumentError } from "commander";
import { printable, reportTable } from "../../inspect/format.ts";
import { DEFAULT_MAX_PAGES, inspectStore, MAX_PAGES_LIMIT } from "../../inspect/report.ts";
import {
  InspectTargetError,
  readListingFile,
  readLiveStore,
  readRoasterStore,
  readStoredRun,
  resolveTarget,
  type StoreReading,
} from "../../inspect/sources.ts";
import { openArtifactStore } from "../../pipeline/artifacts/open-store.ts";
import { CliError, commandContext, EXIT, printJson, printText, withDatabase } from "../context.ts";

const maxPages = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGES_LIMIT) throw new InvalidArgumentError(`a whole number from 1 to ${MAX_PAGES_LIMIT}`);
  return n;
};

const currencyCode = (value: string) => {
  const code = value.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(code)) throw new InvalidArgumentError("a three-letter ISO 4217 code (INR, USD, EUR…)");
  return code;
};

export function registerInspect(program: Command): void {
  program
    .command("inspect")
    .description(
      "read a store, a roaster's store, a stored run or a saved products.json / Store API listing without writing " +
        "anything; per product: is it coffee and why, each variant's weight, grind, price and currency, and what could not be parsed",
    )
    .argument("<target>", "an http(s) store URL, a roaster slug, a scrape run id, or a saved listing file or product page (HTML)")
    .option("--json", "print JSON")
    .option("--max-pages <n>", `store pages to read, 1–${MAX_PAGES_LIMIT}`, maxPages, DEFAULT_MAX_PAGES)
    .option("--currency <code>", "the currency of a Shopify store or file (Shopify payloads carry none)", currencyCode)
    .action(async (arg: string, opts: { json?: boolean; maxPages: number; currency?: string }) => {
      const { settings, log } = commandContext();
      const currency = opts.currency ?? null;
      let target;
      try {
        target = await resolveTarget(arg);
      } catch (err) {
        if (err instanceof InspectTargetError) throw new CliError(err.message, EXIT.badInput);
        throw err;
      }
      const inspect = (reading: StoreReading) =>
        inspectStore(reading, { kind: target.kind, target: arg }, { maxPages: opts.maxPages });
      let report;
      try {
        if (target.kind === "file") {
          report = await inspect(await readListingFile(target.path, { maxBytes: settings.HTTP_MAX_BYTES, currency }));
        } else if (target.kind === "url") {
          report = await inspect(await readLiveStore({ settings, log, website: target.url, currency }));
        } else {
          // A slug or a run lives in the database: opened to read, never migrated or written.
          report = await withDatabase(settings, async (db) =>
            inspect(
              target.kind === "run"
                ? await readStoredRun(db, openArtifactStore(settings), target.runId)
                : await readRoasterStore(db, target.slug, { settings, log, currency }),
            ),
          );
        }
      } catch (err) {
        if (err instanceof InspectTargetError) throw new CliError(err.message, EXIT.badInput);
        // A store that cannot be read, a run whose stored pages were pruned: said in one line.
        const message = err instanceof Error ? err.message : String(err);
        throw new CliError(`inspect ${printable(arg)}: ${printable(message, 500)}`, EXIT.failed);
      }
      if (opts.json) printJson(report);
      else printText(reportTable(report));
      if (report.products.length === 0 && report.pageErrors.length > 0) process.exitCode = EXIT.failed;
    });
}
