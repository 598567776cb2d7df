import { expect, it } from "vitest";
import { startLocalServer } from "../local-server.ts";

// A test file that passes but leaves a server listening: the open-handles check must fail it.
// Not matched by the suite's include (no .test.ts); open-handles.test.ts runs it on its own.

it("passes, and forgets to close its server", async () => {
  const server = await startLocalServer((_req, res) => res.end("ok"));
  expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
});
