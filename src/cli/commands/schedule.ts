import { type Command, InvalidArgumentError } from "commander";
import { checkHealth } from "../../app/health.ts";
import { cadenceFloorsOf } from "../../config/settings.ts";
import { CliError, commandContext, EXIT, printJson, printText } from "../context.ts";

// schedule and healthcheck: argument parsing only; the work is in src/scheduler and src/app.

const isoTime = (value: string) => {
  const at = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(at.getTime())) {
    throw new InvalidArgumentError("an ISO 8601 time such as 2026-12-01T03:20:00Z");
  }
  return at;
};

const NO_REDIS =
  "REDIS_URL is unset: the embedded queue lives inside `coffee-scraper start`, which runs the scheduler itself; " +
  "jobs scheduled from here would never run. Set REDIS_URL, run `coffee-scraper start`, or add --dry-run.";

export function registerSchedule(program: Command): void {
  program
    .command("schedule")
    .description(
      "enqueue what each roaster's cadences make due (each slot once, lost jobs again); " +
        "without --once, tick every SCHEDULER_TICK_MS until SIGTERM/SIGINT",
    )
    .option("--once", "one tick, print a summary, exit")
    .option("--at <time>", "schedule for this ISO time instead of now (with --once)", isoTime)
    .option("--dry-run", "print what would be enqueued and why; record and enqueue nothing")
    .option("--json", "print the summary as JSON (with --once)")
    .action(async (opts: { once?: boolean; at?: Date; dryRun?: boolean; json?: boolean }) => {
      const once = opts.once === true || opts.dryRun === true;
      if (!once && (opts.at || opts.json))
        throw new CliError("--at and --json go with --once", EXIT.badInput);
      const { settings, log } = commandContext({ fd: once ? 2 : 1 });
      if (!settings.REDIS_URL && !opts.dryRun) throw new CliError(NO_REDIS, EXIT.badInput);
      if (!once) {
        const { runSchedulerProcess } = await import("../../app/processes.ts");
        await runSchedulerProcess({ settings, log });
        log.flush?.();
        process.exit(EXIT.ok);
      }
      // Loaded here, not with the module: `healthcheck` shares it and runs every few seconds in a container.
      const [{ createRuntime }, { formatTick, scheduleTick }] = await Promise.all([
        import("../../app/runtime.ts"),
        import("../../scheduler/tick.ts"),
      ]);
      const rt = await createRuntime(settings, log);
      try {
        const summary = await scheduleTick({
          db: rt.db,
          queue: rt.queue,
          clock: rt.deps.clock,
          ...(opts.at ? { at: opts.at } : {}),
          dryRun: opts.dryRun === true,
          // An embedded queue here is not the one `start` consumes: it cannot tell lost jobs.
          recoverLost: rt.queue.kind === "bullmq",
          lostAfterMs: settings.SCHEDULER_LOST_AFTER_MS,
          cadenceFloors: cadenceFloorsOf(settings),
          log,
        });
        if (opts.json) printJson(summary);
        else printText(formatTick(summary));
      } finally {
        await rt.close();
      }
    });

  program
    .command("healthcheck")
    .description("exit 0 when the configured database and queue answer, 1 otherwise (container HEALTHCHECK)")
    .option(
      "--timeout <ms>",
      "per check",
      (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1)
          throw new InvalidArgumentError("a positive whole number of milliseconds");
        return n;
      },
      5000,
    )
    .option("--json", "print JSON")
    .action(async (opts: { timeout: number; json?: boolean }) => {
      const { settings, log } = commandContext();
      const health = await checkHealth(settings, log, { timeoutMs: opts.timeout });
      if (opts.json) printJson(health);
      else {
        const part = (name: string, p: { ok: boolean; checked: boolean; error?: string }) =>
          `${name}: ${p.checked ? (p.ok ? "ok" : `FAILED (${p.error})`) : "not checked (embedded)"}`;
        printText(
          `${health.ok ? "healthy" : "UNHEALTHY"}; ${part("database", health.database)}; ${part("queue", health.queue)}`,
        );
      }
      // A Redis that never answered may still hold a socket open.
      process.exit(health.ok ? EXIT.ok : EXIT.failed);
    });
}
