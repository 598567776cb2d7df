// Polls `check` until it holds, for at most `timeoutMs`. Tests wait on things that happen
// elsewhere (another process, a queue, a timer); a bounded wait with the thing named fails
// with a message that says what never happened, instead of a test timeout that says nothing.

const POLL_MS = 25;

export async function until(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 15_000,
  what = "the condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
