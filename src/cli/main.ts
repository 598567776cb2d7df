import { Command, CommanderError } from "commander";
import { setProcessCommand } from "../app/process-role.ts";
import { PortInUseError } from "../core/serve-http.ts";
import { DashboardAccessError } from "../dashboard/access.ts";
import { DataDirOwnedError } from "../db/embedded/open-embedded.ts";
import { OwnerSocketDirError } from "../db/embedded/ownership.ts";
import { MigrationRefusedError } from "../db/migrate.ts";
import { RoasterFileError } from "../config/roaster-file.ts";
import { redactSecrets } from "../core/secrets.ts";
import { SettingsError } from "../config/settings.ts";
import { registerArtifacts } from "./commands/artifacts.ts";
import { registerDashboard } from "./commands/dashboard.ts";
import { registerInspect } from "./commands/inspect.ts";
import { registerMigrate } from "./commands/migrate.ts";
import { registerQueueCommands } from "./commands/queue.ts";
import { registerRoasters } from "./commands/roasters.ts";
import { registerSchedule } from "./commands/schedule.ts";
import { registerStart } from "./commands/start.ts";
import { CliError, EXIT } from "./context.ts";
import { terminalText } from "./terminal-text.ts";

export function buildProgram(): Command {
  const program = new Command("coffee-scraper")
    .description("Keeps specialty-coffee roasters' products, variants and prices up to date, politely.")
    .showHelpAfterError()
    .exitOverride()
    .hook("preAction", (_program, action) => {
      const names: string[] = [];
      for (let c: Command | null = action; c && c.parent; c = c.parent) names.unshift(c.name());
      setProcessCommand(names.join(" "));
    });
  registerStart(program);
  registerMigrate(program);
  registerRoasters(program);
  registerQueueCommands(program);
  registerSchedule(program);
  registerArtifacts(program);
  registerDashboard(program);
  registerInspect(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = reportError(err);
  }
}

function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // commander has already printed the usage problem (or the help text).
    return err.exitCode === 0 ? EXIT.ok : EXIT.badInput;
  }
  if (err instanceof SettingsError || err instanceof RoasterFileError || err instanceof DashboardAccessError || err instanceof PortInUseError) {
    printError(err.message);
    return EXIT.badInput;
  }
  if (err instanceof DataDirOwnedError || err instanceof OwnerSocketDirError || err instanceof MigrationRefusedError) {
    printError(err.message);
    return EXIT.failed;
  }
  if (err instanceof CliError) {
    printError(err.message);
    return err.exitCode;
  }
  // One line (a database error with its SQLSTATE); the stack only when asked for.
  const debug = process.env.LOG_LEVEL === "debug" || process.env.LOG_LEVEL === "trace";
  printError(`coffee-scraper: ${redactSecrets(debug && err instanceof Error ? (err.stack ?? err.message) : oneLine(err))}`);
  return EXIT.failed;
}

function oneLine(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  const sqlstate = typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? ` (SQLSTATE ${code})` : "";
  return `${err.message.split("\n")[0]}${sqlstate}`;
}

/** Error messages may quote a store or the database: no terminal escapes get through. */
function printError(message: string): void {
  process.stderr.write(`${terminalText(message)}\n`);
}
