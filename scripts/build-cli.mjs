#!/usr/bin/env node
// `npm install` (prepare) and `npm test` build the CLI into dist/cli/: the TypeScript sources
// bundled into a few ES modules, packages left to node_modules. bin/coffee-scraper.js runs
// that bundle while it is newer than every source file, and the sources through tsx
// otherwise: a command then starts in about half the time and CPU (no loader hooks, no
// transform of ~300 files), which every Docker HEALTHCHECK, scheduled tick and test pays.
// Where there are no sources (a Docker layer holding only package.json) there is nothing to
// build, and the CLI runs from source once there are.
import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

// The package to build: this one, or the directory given (a test's copy).
const root = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), ".."));
const entry = path.join(root, "src/cli/main.ts");
const outdir = path.join(root, "dist/cli");

if (!existsSync(entry)) {
  console.log("build-cli: no sources here; nothing to build");
  process.exit(0);
}
const { build } = await import("esbuild");
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { main: entry },
  outdir,
  bundle: true,
  // Each command's module stays a chunk of its own, loaded only by the command that runs it.
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  // Class and function names as written: errors and logs carry them.
  keepNames: true,
  sourcemap: "linked",
  logLevel: "warning",
});
