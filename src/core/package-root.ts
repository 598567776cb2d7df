import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The package's own directory, whether this module runs from src/ (through tsx, or under
 * Vitest) or from the CLI bundle in dist/ (scripts/build-cli.mjs): files that ship beside the
 * sources — the SQL migrations, the embedded database's thread — are found from here, not
 * from the location of whichever file the bundler put this code in.
 */
export const PACKAGE_ROOT = packageRoot(path.dirname(fileURLToPath(import.meta.url)));

function packageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}
