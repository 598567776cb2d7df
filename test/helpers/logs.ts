import { Writable } from "node:stream";
import pino from "pino";
import type { Logger } from "../../src/core/logger.ts";

export type LogLine = Record<string, unknown> & { msg?: string };

/** A real pino logger whose JSON lines are kept in memory for the test to read. */
export function captureLogger(level = "info"): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { log: pino({ level, base: { pid: process.pid } }, stream), lines };
}

/** Parses the JSON lines a child process wrote; other lines are ignored. */
export function parseLogLines(text: string): LogLine[] {
  const out: LogLine[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      out.push(JSON.parse(line) as LogLine);
    } catch {
      // a partial last line
    }
  }
  return out;
}
