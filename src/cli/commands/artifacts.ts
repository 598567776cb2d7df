import type { Command } from "commander";
import { createDeps } from "../../app/runtime.ts";
import { migrate } from "../../db/migrate.ts";
import { openArtifactStore } from "../../pipeline/artifacts/open-store.ts";
import { pruneArtifacts } from "../../pipeline/artifacts/retention.ts";
import { replayRun } from "../../pipeline/replay.ts";
import { reparseRoasters, UnknownRoasterError } from "../../pipeline/reparse.ts";
import { ScrapeError } from "../../core/errors.ts";
import { CliError, commandContext, EXIT, printJson, printText, withDatabase } from "../context.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function registerArtifacts(program: Command): void {
  program
    .command("replay")
    .description("re-run validation, normalization and persistence over a run's stored raw pages (no network)")
    .argument("<run-id>", "a scrape_runs id (see `status` or the run's log line)")
    .option("--json", "print the new run's summary as JSON")
    .action(async (runId: string, opts: { json?: boolean }) => {
      if (!UUID.test(runId)) throw new CliError(`replay: "${runId.slice(0, 80)}" is not a run id (a uuid, as \`status\` and the dashboard show)`, EXIT.badInput);
      const { settings, log } = commandContext();
      const summary = await withDatabase(settings, async (db) => {
        await migrate(db);
        const deps = createDeps(settings, db, log);
        try {
          return await replayRun(runId, deps);
        } catch (err) {
          if (err instanceof ScrapeError && err.code === "run_not_found") throw new CliError(`replay: ${err.message}`, EXIT.badInput);
          if (err instanceof ScrapeError && err.retry === "permanent") throw new CliError(`replay: ${err.message}`, EXIT.failed);
          throw err;
        } finally {
          await deps.http.close();
        }
      });
      if (opts.json) printJson(summary);
      else {
        const s = summary.stats;
        printText(
          `Replay run ${summary.runId}: ${summary.status} — ${s.pages} page(s), ${s.coffees_upserted} coffees, ` +
            `${s.variants_upserted} variants, ${s.prices_inserted} new price rows.` +
            (summary.status === "fail" && s.errors?.[0] ? ` ${s.errors[0].message}` : ""),
        );
      }
      if (summary.status === "fail") process.exitCode = EXIT.failed;
    });

  program
    .command("reparse")
    .description(
      "bring stored rows up to date after a parser improvement: replay each roaster's newest complete full run " +
        "from its stored raw pages, under the roaster's lease (no network)",
    )
    .option("--roaster <slug...>", "roaster slug(s)")
    .option("--all", "every roaster")
    .option("--json", "print the outcomes as JSON")
    .action(async (opts: { roaster?: string[]; all?: boolean; json?: boolean }) => {
      if (!opts.all && !opts.roaster?.length) throw new CliError("name --roaster <slug> or --all", EXIT.badInput);
      if (opts.all && opts.roaster?.length) throw new CliError("name --roaster <slug> or --all, not both", EXIT.badInput);
      const { settings, log } = commandContext();
      const outcomes = await withDatabase(settings, async (db) => {
        await migrate(db);
        const deps = createDeps(settings, db, log);
        try {
          return await reparseRoasters(deps, { roasters: opts.all ? "all" : opts.roaster! });
        } catch (err) {
          if (err instanceof UnknownRoasterError) throw new CliError(err.message, EXIT.badInput);
          throw err;
        } finally {
          await deps.http.close();
        }
      });
      if (opts.json) printJson(outcomes);
      else {
        for (const o of outcomes) {
          const s = o.run?.stats as Record<string, number> | undefined;
          printText(
            o.run && s
              ? `${o.roaster}: run ${o.run.runId} ${o.run.status} from run ${o.fromRunId} — ${s.coffees_upserted} coffees, ` +
                  `${s.variants_upserted} variants, ${s.prices_inserted} new price rows`
              : `${o.roaster}: skipped (${o.skipped})`,
          );
        }
      }
      if (outcomes.some((o) => o.run?.status === "fail")) process.exitCode = EXIT.failed;
    });

  program
    .command("artifacts")
    .description("raw store pages kept for audit and replay")
    .command("prune")
    .description("delete artifact records older than ARTIFACTS_RETENTION_DAYS and bodies nothing refers to")
    .option("--days <n>", "retention in days (default: ARTIFACTS_RETENTION_DAYS)", (v) => Number(v))
    .action(async (opts: { days?: number }) => {
      const { settings } = commandContext();
      const days = opts.days ?? settings.ARTIFACTS_RETENTION_DAYS;
      const result = await withDatabase(settings, async (db) => {
        await migrate(db);
        return pruneArtifacts(db, openArtifactStore(settings), days);
      });
      printText(`Pruned ${result.rowsDeleted} artifact record(s) older than ${days} days and ${result.filesDeleted} stored body(ies).`);
    });
}
