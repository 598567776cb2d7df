import type { Command } from "commander";
import { runAllInOne } from "../../app/processes.ts";
import { commandContext, EXIT } from "../context.ts";

export function registerStart(program: Command): void {
  program
    .command("start")
    .description(
      "all-in-one: migrate, import ROASTERS_FILE if present, then run the scheduler and a worker in this process " +
        "until SIGTERM/SIGINT (embedded queue, or BullMQ when REDIS_URL is set)",
    )
    .action(async () => {
      const { settings, log } = commandContext({ fd: 1 });
      await runAllInOne({ settings, log });
      log.flush?.();
      // Interrupted jobs may still hold sockets open; with BullMQ they go to another worker.
      process.exit(EXIT.ok);
    });
}
