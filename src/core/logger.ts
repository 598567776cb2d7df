import pino, { type Logger } from "pino";
import { redactSecrets } from "./secrets.ts";

export type { Logger };

export interface LoggerOptions {
  level: string;
  format: "json" | "pretty";
  /** 1 = stdout (long-running processes), 2 = stderr (commands whose stdout is data). */
  fd?: 1 | 2;
}

/**
 * pino with a last guard against secrets: every formatted line is scrubbed of registered
 * secret values and URL credentials before it is written.
 */
export function createLogger(options: LoggerOptions): Logger {
  const fd = options.fd ?? 1;
  const base = {
    level: options.level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    hooks: { streamWrite: (line: string) => redactSecrets(line) },
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
  };
  if (options.format === "pretty") {
    return pino(base, pino.transport({ target: "pino-pretty", options: { destination: fd, colorize: true } }));
  }
  return pino(base, pino.destination({ fd, sync: true }));
}

/** A logger that writes nothing, for library calls in tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
