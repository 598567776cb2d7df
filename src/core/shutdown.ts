// The one way a long-running process waits for SIGTERM/SIGINT: the first signal starts a
// graceful stop, a second one exits at once (an operator who presses Ctrl-C twice means it).

export interface SignalOptions {
  /** Defaults to SIGTERM and SIGINT. */
  signals?: NodeJS.Signals[];
  /** Called on a second signal; defaults to process.exit. */
  exit?: (code: number) => void;
}

export interface WaitingForSignal {
  /** The first signal's name. */
  received: Promise<NodeJS.Signals>;
  /** Removes the listeners (after the stop the first signal started). */
  dispose(): void;
}

/**
 * Listens for `signals` until `dispose`: resolves `received` on the first; a second calls
 * `exit(1)` at once. Listen before anything slow, so a signal during start-up stops cleanly.
 */
export function waitForSignal(log: { warn(fields: object, message: string): void }, options: SignalOptions = {}): WaitingForSignal {
  const signals = options.signals ?? ["SIGTERM", "SIGINT"];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let first = true;
  let resolve: (s: NodeJS.Signals) => void = () => {};
  const received = new Promise<NodeJS.Signals>((r) => (resolve = r));
  const onSignal = (signal: NodeJS.Signals) => {
    if (!first) {
      log.warn({ signal }, "second signal: exiting now");
      exit(1);
      return;
    }
    first = false;
    resolve(signal);
  };
  for (const s of signals) process.on(s, onSignal);
  return {
    received,
    dispose: () => {
      for (const s of signals) process.off(s, onSignal);
    },
  };
}
