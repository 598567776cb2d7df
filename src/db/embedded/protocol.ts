// Newline-delimited JSON between the owner of an embedded database and other processes.
// Dates are tagged so that rows and parameters keep their types across the socket.

export interface Request {
  id: number;
  op: string;
  [key: string]: unknown;
}

export interface Response {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: { message: string; code?: string };
}

const DATE_TAG = "$date";

export function encode(message: Request | Response): string {
  return `${JSON.stringify(message, function replacer(this: Record<string, unknown>, key, value: unknown) {
    const original = this[key];
    return original instanceof Date ? { [DATE_TAG]: original.toISOString() } : value;
  })}\n`;
}

export function decode<T>(line: string): T {
  return JSON.parse(line, (_key, value: unknown) => {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      const tagged = value as Record<string, unknown>;
      const keys = Object.keys(tagged);
      if (keys.length === 1 && keys[0] === DATE_TAG && typeof tagged[DATE_TAG] === "string") {
        return new Date(tagged[DATE_TAG]);
      }
    }
    return value;
  }) as T;
}

/** Splits a byte stream into lines and hands each decoded message to `onMessage`. */
export function lineReader<T>(onMessage: (message: T) => void): (chunk: Buffer) => void {
  let buffered = "";
  return (chunk) => {
    buffered += chunk.toString("utf8");
    let newline = buffered.indexOf("\n");
    while (newline >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line.trim()) onMessage(decode<T>(line));
      newline = buffered.indexOf("\n");
    }
  };
}
