#!/usr/bin/env node
// Runs the CLI bundle (dist/cli, built by `npm install`: scripts/build-cli.mjs) while it is
// newer than every TypeScript source, else the sources themselves through tsx: an edit needs
// no build step, and an installed CLI starts in half the time.
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bundle = path.join(root, "dist/cli/main.js");

function bundleIsFresh() {
  let built;
  try {
    built = statSync(bundle).mtimeMs;
  } catch {
    return false;
  }
  const src = path.join(root, "src");
  return readdirSync(src, { recursive: true }).every(
    (file) => !file.endsWith(".ts") || statSync(path.join(src, file)).mtimeMs <= built,
  );
}

let main;
if (bundleIsFresh()) {
  // Stack traces (printed at LOG_LEVEL=debug) point into the sources, not the bundle.
  if (/^(debug|trace)$/.test(process.env.LOG_LEVEL ?? "")) process.setSourceMapsEnabled(true);
  ({ main } = await import(pathToFileURL(bundle).href));
} else {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import("../src/cli/main.ts"));
}
await main(process.argv);
