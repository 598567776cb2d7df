import { loadSettings, type Settings } from "../config/settings.ts";
import type { Database } from "../db/database.ts";
import { processCommand } from "../app/process-role.ts";
import { openDatabase } from "../db/open-database.ts";
import { createLogger, type Logger } from "../core/logger.ts";
import { terminalJson, terminalText } from "./terminal-text.ts";

/** Exit codes: 0 ok, 1 the work failed, 2 bad input (usage, settings, config files). */
export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export interface CommandContext {
  settings: Settings;
  log: Logger;
}

/** Settings and a logger; `fd: 1` for long-running commands, 2 where stdout carries data. */
export function commandContext(options: { fd?: 1 | 2 } = {}): CommandContext {
  const settings = loadSettings();
  const log = createLogger({ level: settings.LOG_LEVEL, format: settings.LOG_FORMAT, fd: options.fd ?? 2 });
  return { settings, log };
}

export async function withDatabase<T>(
  settings: Settings,
  fn: (db: Database) => Promise<T>,
  options: { log?: Logger } = {},
): Promise<T> {
  const db = await openDatabase({
    databaseUrl: settings.DATABASE_URL,
    dataDir: settings.DATA_DIR,
    command: processCommand(),
    onStaleLock: (dead) =>
      (options.log ?? console).warn?.(
        terminalText(`recovered the embedded database lock left by a dead process${dead ? ` (pid ${dead.pid}, \`${dead.command}\`)` : ""}`),
      ),
  });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** Prints JSON on stdout; text in it that came from a store cannot act on the terminal. */
export function printJson(value: unknown): void {
  process.stdout.write(`${terminalJson(value)}\n`);
}

/** Prints a line (or lines) on stdout, without terminal escapes or control characters. */
export function printText(text: string): void {
  process.stdout.write(`${terminalText(text)}\n`);
}
