import { afterAll, beforeAll } from "vitest";
import { activeResources, openHandlesLeft, type ResourceCounts } from "./open-handles.ts";

// Registered for every test file (vitest.config.ts setupFiles): a file must close what it
// opened. Each file runs in a process of its own (pool "forks"), so the counts are the
// file's. The baseline is taken in a hook, as the check is, so the hook's own timeout timer
// is on both sides; this afterAll is registered first and so runs last, after the file's.

let baseline: ResourceCounts | undefined;

beforeAll(() => {
  baseline = activeResources();
});

afterAll(async () => {
  if (!baseline) return;
  const left = await openHandlesLeft(baseline);
  if (left.length > 0) {
    throw new Error(`this test file left open handles (close them in its afterAll/afterEach):\n${left.join("\n")}`);
  }
});
