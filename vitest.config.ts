import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Two cores: keep file-level parallelism modest so PGlite and real servers fit.
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { ALLOW_PRIVATE_NETWORKS: "true" },
    // Every file must close what it opened (servers, sockets, timers, child processes).
    setupFiles: ["test/helpers/check-open-handles.ts"],
    // One migrated database per engine per run; each test file's database is a copy of it.
    globalSetup: ["test/helpers/database-templates.ts"],
  },
});
