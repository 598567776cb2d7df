import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BIN } from "../helpers/cli.ts";

// bin/coffee-scraper.js runs the bundle scripts/build-cli.mjs makes while it is newer than
// every TypeScript source, and the sources through tsx otherwise. Here in a package of its
// own, whose two `main`s say which of them ran.

const root = mkdtempSync(path.join(tmpdir(), "cs-bin-"));
const at = (file: string) => path.join(root, file);
const write = (file: string, text: string, mtime: number) => {
  mkdirSync(path.dirname(at(file)), { recursive: true });
  writeFileSync(at(file), text);
  utimesSync(at(file), mtime, mtime);
};
const T = Date.now() / 1000 - 3600;

function run(): string {
  const result = spawnSync(process.execPath, [at("bin/coffee-scraper.js"), "x"], { encoding: "utf8" });
  expect(result.stderr).toBe("");
  return result.stdout.trim();
}

describe("bin/coffee-scraper.js", () => {
  mkdirSync(at("bin"));
  copyFileSync(BIN, at("bin/coffee-scraper.js"));
  symlinkSync(path.resolve("node_modules"), at("node_modules"));
  writeFileSync(at("package.json"), '{ "type": "module" }\n');
  write(
    "src/cli/main.ts",
    "export async function main(argv: string[]): Promise<void> { console.log(`source ${argv[2]}`); }\n",
    T,
  );
  write("src/db/migrations/0001_x.sql", "SELECT 1;\n", T);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("runs the sources when there is no bundle", () => {
    expect(run()).toBe("source x");
  });

  it("runs the bundle while it is newer than every source, and the sources once one is newer", () => {
    write(
      "dist/cli/main.js",
      "export async function main(argv) { console.log(`bundle ${argv[2]}`); }\n",
      T + 10,
    );
    expect(run()).toBe("bundle x");
    // A file the bundle does not hold (migrations are read at run time) changes nothing.
    utimesSync(at("src/db/migrations/0001_x.sql"), T + 20, T + 20);
    expect(run()).toBe("bundle x");
    write("src/core/edited.ts", "export {};\n", T + 20);
    expect(run()).toBe("source x");
  });
});

describe("the bundle scripts/build-cli.mjs builds", () => {
  // A package of its own, built from this one's sources (each of src/'s folders linked) and
  // using its packages: its dist/ is its own.
  const copy = mkdtempSync(path.join(tmpdir(), "cs-bundle-"));
  mkdirSync(path.join(copy, "src"));
  for (const dir of readdirSync("src")) symlinkSync(path.resolve("src", dir), path.join(copy, "src", dir));
  symlinkSync(path.resolve("node_modules"), path.join(copy, "node_modules"));
  mkdirSync(path.join(copy, "bin"));
  copyFileSync(BIN, path.join(copy, "bin/coffee-scraper.js"));
  copyFileSync("package.json", path.join(copy, "package.json"));
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  it("runs on its own, and finds the files shipped beside the sources (migrations, the embedded database's thread)", () => {
    const build = spawnSync(process.execPath, ["scripts/build-cli.mjs", copy], { encoding: "utf8" });
    expect(build.status, build.stderr).toBe(0);
    // Without src/cli the sources cannot run: what runs now is the bundle.
    rmSync(path.join(copy, "src/cli"));
    const { DATABASE_URL: _d, REDIS_URL: _r, ...env } = process.env;
    const listed = spawnSync(
      process.execPath,
      [path.join(copy, "bin/coffee-scraper.js"), "roasters", "list", "--json"],
      {
        encoding: "utf8",
        env: { ...env, DATA_DIR: path.join(copy, "data"), LOG_FORMAT: "json" },
      },
    );
    expect(listed.status, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([]);
  }, 60_000);
});
