import { type Command, InvalidArgumentError, Option } from "commander";
import { createRuntime, type Runtime } from "../../app/runtime.ts";
import { SINGLE_PROCESS_HINT } from "../../db/embedded/open-embedded.ts";
import { liveOwner } from "../../db/embedded/ownership.ts";
import { isRemoteDatabase } from "../../db/embedded/remote-database.ts";
import type { Settings } from "../../config/settings.ts";
import { coerceError } from "../../core/errors.ts";
import type { Logger } from "../../core/logger.ts";
import { enqueueRoasters, UnknownRoastersError } from "../../queue/enqueue.ts";
import { JOB_MODES, jobTypeOf, type JobMode } from "../../core/job-kinds.ts";
import { collectStatus, formatStatus } from "../../worker/status.ts";
import { CliError, commandContext, EXIT, printJson, printText } from "../context.ts";

// enqueue, worker, status, scrape: argument parsing only; the work is in src/queue and src/worker.

const typeOption = () =>
  new Option("--type <type>", "full | price").choices(JOB_MODES).default("full");
const jobType = (cli: string) => jobTypeOf(cli as JobMode);
const FORCE_HELP =
  "read every page in full (no 304s) and normalize every product again, unchanged ones included (after a parser improvement)";

const positive = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidArgumentError("a whole number from 1 to 100");
  return n;
};

async function withRuntime<T>(settings: Settings, log: Logger, fn: (rt: Runtime) => Promise<T>): Promise<T> {
  const rt = await createRuntime(settings, log);
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

const NO_REDIS =
  "REDIS_URL is unset and no `coffee-scraper start` is running on this DATA_DIR: the embedded queue lives inside " +
  "`start`, so jobs put on it from here would never run. Start `coffee-scraper start` (then enqueue again), set " +
  "REDIS_URL, or run one job now with `coffee-scraper scrape <slug>`.";

/** Why `worker` cannot run without Redis, naming the process that owns DATA_DIR if one does. */
async function noSeparateWorker(settings: Settings): Promise<string> {
  const owner = settings.DATABASE_URL ? null : await liveOwner(settings.DATA_DIR);
  if (!owner) return NO_REDIS.replace("jobs put on it from here would never run", "a separate worker would never see its jobs");
  return (
    `REDIS_URL is unset, so the queue is the embedded one, and it lives inside \`coffee-scraper ${owner.command}\` ` +
    `(pid ${owner.pid}), which owns ${settings.DATA_DIR} and already runs a worker: a separate worker cannot take ` +
    `its jobs. ${SINGLE_PROCESS_HINT}`
  );
}

export function registerQueueCommands(program: Command): void {
  program
    .command("enqueue")
    .description("put jobs on the queue for this minute's manual slot (repeats within the minute are no-ops)")
    .argument("[slugs...]", "roaster slugs")
    .option("--all", "every active roaster")
    .addOption(typeOption())
    .option("--force", FORCE_HELP)
    .action(async (slugs: string[], opts: { all?: boolean; type: string; force?: boolean }) => {
      if (!opts.all && slugs.length === 0) throw new CliError("name roaster slugs or --all", EXIT.badInput);
      if (opts.all && slugs.length > 0) throw new CliError("name roaster slugs or --all, not both", EXIT.badInput);
      const { settings, log } = commandContext();
      const results = await withRuntime(settings, log, (rt) => {
        // Without Redis, jobs can only go to the embedded queue of a running `start`.
        if (!settings.REDIS_URL && !isRemoteDatabase(rt.db)) throw new CliError(NO_REDIS, EXIT.badInput);
        return enqueueRoasters(rt.deps, {
          roasters: opts.all ? "all" : slugs,
          type: jobType(opts.type),
          ...(opts.force ? { force: true, reason: "manual enqueue (--force)" } : {}),
        }).catch((err: unknown) => {
          if (err instanceof UnknownRoastersError) throw new CliError(err.message, EXIT.badInput);
          throw err;
        });
      });
      const added = results.filter((r) => r.added).length;
      for (const r of results) printText(`${r.added ? "enqueued" : "already queued"}  ${r.id}`);
      printText(`${added} enqueued, ${results.length - added} already queued.`);
    });

  program
    .command("worker")
    .description("consume jobs until SIGTERM/SIGINT (then drain up to SHUTDOWN_TIMEOUT_MS; a second signal exits at once)")
    .option("--concurrency <n>", "roasters at once (default WORKER_CONCURRENCY)", positive)
    .action(async (opts: { concurrency?: number }) => {
      const { settings, log } = commandContext({ fd: 1 });
      if (!settings.REDIS_URL) throw new CliError(await noSeparateWorker(settings), EXIT.badInput);
      // Loaded here: the worker and the pipeline are most of the CLI's imports, and only these commands need them.
      const { runWorkerProcess } = await import("../../app/processes.ts");
      await runWorkerProcess({ settings, log, ...(opts.concurrency ? { concurrency: opts.concurrency } : {}) });
      log.flush?.();
      // Interrupted jobs may still hold sockets open; they are BullMQ's to hand to another worker now.
      process.exit(EXIT.ok);
    });

  program
    .command("status")
    .description("jobs per state, the last failures with their reasons, and each roaster's last run")
    .option("--json", "print JSON")
    .option("--failures <n>", "how many recent failures", positive, 10)
    .action(async (opts: { json?: boolean; failures: number }) => {
      const { settings, log } = commandContext();
      const { status, throughOwner } = await withRuntime(settings, log, async (rt) => ({
        status: await collectStatus(rt.deps, { failures: opts.failures }),
        throughOwner: isRemoteDatabase(rt.db),
      }));
      if (opts.json) printJson(status);
      else printText(formatStatus(status, { throughOwner }));
    });

  program
    .command("scrape")
    .description("run one roaster's job inline, without a queue; exit 0 when the run is ok/partial, 1 when it fails")
    .argument("<slug>", "roaster slug")
    .addOption(typeOption())
    .option("--force", FORCE_HELP)
    .action(async (slug: string, opts: { type: string; force?: boolean }) => {
      const { settings, log } = commandContext();
      const { scrapeOnce } = await import("../../worker/scrape-once.ts");
      const summary = await withRuntime(settings, log, (rt) =>
        scrapeOnce({ deps: rt.deps, roaster: slug, type: jobType(opts.type), force: opts.force === true }).catch((err: unknown) => {
          throw new CliError(`scrape ${slug} failed: ${coerceError(err).message}`, EXIT.failed);
        }),
      );
      printJson(summary);
      if (summary.status === "fail") process.exitCode = EXIT.failed;
    });
}
