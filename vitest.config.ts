import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Two cores, three files at a time: many files spend much of their time waiting on the
    // CLI processes, servers and timers they start (the whole suite: 542 s with two, 423 s
    // with three, on the same machine and commit).
    pool: "forks",
    // A worker process runs file after file with the modules it has loaded: each file's data
    // is its own all the same (a database per file, random queue prefixes), and loading the
    // module graph again for each of 106 files cost 167 s of the suite's CPU (33 s shared;
    // the suite 864 s → 775 s on two cores, same commit).
    isolate: false,
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
