import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Two cores, three files at a time: many files spend much of their time waiting on the
    // CLI processes, servers and timers they start (the whole suite: 542 s with two, 423 s
    // with three, on the same machine and commit).
    pool: "forks",
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { ALLOW_PRIVATE_NETWORKS: "true" },
    // Every file must close what it opened (servers, sockets, timers, child processes).
    setupFiles: ["test/helpers/check-open-handles.ts"],
    // One migrated database per engine per run; each test file's database is a copy of it.
    globalSetup: ["test/helpers/database-templates.ts"],
  },
});
