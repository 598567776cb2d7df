// npm run docs:errors — rewrites docs/interface.md's table of error codes from src/core/errors.ts.
import { readFileSync, writeFileSync } from "node:fs";
import { errorCodesTable } from "../src/core/error-codes-table.ts";

const DOC = new URL("../docs/interface.md", import.meta.url);
const START = "<!-- error-codes:start -->";
const END = "<!-- error-codes:end -->";
const text = readFileSync(DOC, "utf8");
const [before, rest] = text.split(START);
const after = rest?.split(END)[1];
if (before === undefined || after === undefined) throw new Error("docs/interface.md lacks the error-codes markers");
writeFileSync(DOC, `${before}${START}\n${errorCodesTable()}\n${END}${after}`);
console.log("docs/interface.md error codes updated");
