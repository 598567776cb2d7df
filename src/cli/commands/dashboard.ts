import type { Command } from "commander";
import { runDashboardProcess } from "../../app/processes.ts";
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
      await runDashboardProcess({ settings, log });
    });
}
