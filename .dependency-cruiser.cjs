// The house's layer rules, checked by `npm run lint` (depcruise) and proven to bite by
// test/lint/layers.test.ts. The layers, bottom up:
//   core/      clock, errors, logger, timers, the HTTP server helper — imports nothing of ours
//   config/    settings and roaster files — core only
//   db/        every SQL statement — core and config only
//   fetch/     the polite HTTP gate — never the database
//   platforms/ store adapters — the fetch clients' interfaces, never the gate's internals or the database
//   pipeline/, queue/, scheduler/, worker/, enrich/, images/, metrics/, dashboard/, inspect/
//   app/, cli/ the entry points: the only modules that assemble the others
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "An import cycle: split the interface from what implements it.",
      from: {},
      to: { circular: true },
    },
    {
      name: "core-imports-nothing-of-ours",
      severity: "error",
      comment: "core/ is the ground floor: it imports only other core/ modules and packages.",
      from: { path: "^src/core/" },
      to: { path: "^src/", pathNot: "^src/core/" },
    },
    {
      name: "config-imports-only-core",
      severity: "error",
      comment: "config/ reads and checks settings and roaster files; it builds on core/ only.",
      from: { path: "^src/config/" },
      to: { path: "^src/", pathNot: "^src/(core|config)/" },
    },
    {
      name: "db-imports-only-core-and-config",
      severity: "error",
      comment: "db/ holds the SQL; it builds on core/ and config/ only.",
      from: { path: "^src/db/" },
      to: { path: "^src/", pathNot: "^src/(core|config|db)/" },
    },
    {
      name: "fetch-never-imports-db",
      severity: "error",
      comment: "fetch/ remembers sites through its own SiteMemory interface, implemented in db/ and injected.",
      from: { path: "^src/fetch/" },
      to: { path: "^src/db/" },
    },
    {
      name: "platforms-never-import-db",
      severity: "error",
      comment: "A store adapter reads a store and returns what it found; the pipeline writes it.",
      from: { path: "^src/platforms/" },
      to: { path: "^src/db/" },
    },
    {
      name: "platforms-use-only-the-fetch-interface",
      severity: "error",
      comment:
        "Adapters fetch through the clients' interfaces (the polite client, its validators, the Firecrawl client), not through the gate's internals (pacer, guard, robots, body, retry).",
      from: { path: "^src/platforms/" },
      to: { path: "^src/fetch/", pathNot: "^src/fetch/(client|validators|firecrawl)\\.ts$" },
    },
    {
      name: "only-entry-points-assemble",
      severity: "error",
      comment: "app/ is the composition root: only app/ and cli/ import it.",
      from: { path: "^src/", pathNot: "^src/(app|cli)/" },
      to: { path: "^src/app/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
  },
};
