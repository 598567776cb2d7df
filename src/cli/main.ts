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
import { CliError, EXIT } from "./context.ts";
import { terminalText } from "./terminal-text.ts";

type Register = (program: Command) => unknown;

/**
 * The modules that define the top-level commands, in help order, with the names each one
 * registers. A run loads only the module of the command it runs (help and mistakes load
 * them all), so `healthcheck` or `roasters list` does not pay for the imports of the worker
 * and the dashboard: every test and every Docker HEALTHCHECK starts a process.
 */
export const COMMAND_MODULES: readonly { names: readonly string[]; load: () => Promise<Register> }[] = [
  { names: ["start"], load: async () => (await import("./commands/start.ts")).registerStart },
  { names: ["migrate"], load: async () => (await import("./commands/migrate.ts")).registerMigrate },
  { names: ["roasters"], load: async () => (await import("./commands/roasters.ts")).registerRoasters },
  { names: ["enqueue", "worker", "status", "scrape"], load: async () => (await import("./commands/queue.ts")).registerQueueCommands },
  { names: ["schedule", "healthcheck"], load: async () => (await import("./commands/schedule.ts")).registerSchedule },
  { names: ["replay", "reparse", "artifacts"], load: async () => (await import("./commands/artifacts.ts")).registerArtifacts },
  { names: ["dashboard"], load: async () => (await import("./commands/dashboard.ts")).registerDashboard },
  { names: ["inspect"], load: async () => (await import("./commands/inspect.ts")).registerInspect },
];

/** The whole CLI, or (given the process's argv) only the command that argv runs, when it names one. */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const word = argv?.slice(2).find((arg) => !arg.startsWith("-"));
  const only = COMMAND_MODULES.filter((m) => word !== undefined && m.names.includes(word));
  const modules = only.length > 0 ? only : COMMAND_MODULES;
  const registers = await Promise.all(modules.map((m) => m.load()));
  const program = new Command("coffee-scraper")
    .description("Keeps specialty-coffee roasters' products, variants and prices up to date, politely.")
    .showHelpAfterError()
    .exitOverride()
    .hook("preAction", (_program, action) => {
      const names: string[] = [];
      for (let c: Command | null = action; c && c.parent; c = c.parent) names.unshift(c.name());
      setProcessCommand(names.join(" "));
    });
  for (const register of registers) register(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    const program = await buildProgram(argv);
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
