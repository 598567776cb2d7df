// npm run docs:settings — rewrites the README's configuration table from the settings schema.
import { readFileSync, writeFileSync } from "node:fs";
import { settingsTable } from "../src/config/settings-table.ts";

const README = new URL("../README.md", import.meta.url);
const START = "<!-- settings-table:start -->";
const END = "<!-- settings-table:end -->";
const text = readFileSync(README, "utf8");
const [before, rest] = text.split(START);
const after = rest?.split(END)[1];
if (before === undefined || after === undefined) throw new Error("README.md lacks the settings-table markers");
writeFileSync(README, `${before}${START}\n${settingsTable()}\n${END}${after}`);
console.log("README.md configuration table updated");
