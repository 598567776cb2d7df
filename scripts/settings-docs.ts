// npm run docs:settings — rewrites the README's configuration table and env.example from the
// settings schema. With --check it only says whether they are in step (exit 1 when not).
import { readFileSync, writeFileSync } from "node:fs";
import { envExample } from "../src/config/env-example.ts";
import { settingsTable } from "../src/config/settings-table.ts";

const README = new URL("../README.md", import.meta.url);
const ENV_EXAMPLE = new URL("../env.example", import.meta.url);
const START = "<!-- settings-table:start -->";
const END = "<!-- settings-table:end -->";

const readme = readFileSync(README, "utf8");
const [before, rest] = readme.split(START);
const after = rest?.split(END)[1];
if (before === undefined || after === undefined) throw new Error("README.md lacks the settings-table markers");

const wanted = new Map([
  [README, `${before}${START}\n${settingsTable()}\n${END}${after}`],
  [ENV_EXAMPLE, envExample()],
]);
const stale = [...wanted].filter(([file, text]) => readFileSync(file, "utf8") !== text).map(([file]) => file);
const names = stale.map((file) => file.pathname.split("/").pop()).join(", ");

if (process.argv.includes("--check")) {
  if (stale.length > 0) {
    console.error(`${names}: out of step with src/config/settings.ts; run npm run docs:settings`);
    process.exit(1);
  }
  console.log("README.md and env.example match the settings schema");
} else {
  for (const file of stale) writeFileSync(file, wanted.get(file)!);
  console.log(stale.length > 0 ? `${names} updated` : "README.md and env.example already match the settings schema");
}
