import type { Command } from "commander";
import { createRuntime } from "../../app/runtime.ts";
import { accessPolicy } from "../../dashboard/access.ts";
import { startDashboard } from "../../dashboard/server.ts";
import { waitForSignal } from "../../scheduler/loop.ts";
import { commandContext } from "../context.ts";

export function registerDashboard(program: Command): void {
  program
    .command("dashboard")
    .description(
      "serve the operations dashboard (and /metrics, /healthz, /readyz) on DASHBOARD_HOST:DASHBOARD_PORT until SIGTERM/SIGINT; " +
        "off 127.0.0.1 it needs DASHBOARD_TOKEN or DASHBOARD_USER + DASHBOARD_PASSWORD. `start` serves it too.",
    )
    .action(async () => {
      const { settings, log } = commandContext({ fd: 1 });
      accessPolicy(settings); // refuses a non-loopback bind without credentials before opening anything
      const waiting = waitForSignal(log);
      const rt = await createRuntime(settings, log);
      try {
        // The embedded queue lives inside `start`: from here only a BullMQ queue is visible.
        const dashboard = await startDashboard({
          settings,
          db: rt.db,
          queue: settings.REDIS_URL ? rt.queue : null,
          log,
          clock: rt.deps.clock,
          metrics: rt.deps.metrics,
          artifacts: rt.deps.artifacts,
        });
        const signal = await waiting.received;
        log.info({ signal }, "dashboard stopping");
        await dashboard.close();
      } finally {
        waiting.dispose();
        await rt.close();
      }
    });
}
