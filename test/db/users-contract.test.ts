import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { OUR_CALLS } from "../../src/db/users-contract.ts";

// OUR_CALLS is what `migrate` checks the users' functions against: it must be exactly the
// argument sets our code passes. Every call of a users' function in src/ (SQL and TypeScript)
// is read here and compared.

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : /\.(ts|sql)$/.test(name) ? [full] : [];
  });
}

/** Each `public.rpc_x(...)` call in `text`: its function name and the argument names it passes. */
function callsIn(text: string): { name: string; args: string[] }[] {
  const calls: { name: string; args: string[] }[] = [];
  for (const match of text.matchAll(/public\.(rpc_\w+)\(/g)) {
    let depth = 1;
    let i = match.index! + match[0].length;
    const start = i;
    while (depth > 0 && i < text.length) {
      if (text[i] === "(") depth += 1;
      else if (text[i] === ")") depth -= 1;
      i += 1;
    }
    const body = text.slice(start, i - 1);
    if (/^\s*p_\w+\s*:=/.test(body)) calls.push({ name: match[1]!, args: [...body.matchAll(/\b(p_\w+)\s*:=/g)].map((m) => m[1]!) });
  }
  return calls;
}

describe("the users' contract as our code calls it", () => {
  it("OUR_CALLS lists exactly the argument sets src/ passes to each of their functions", () => {
    const found = new Map<string, Set<string>>();
    for (const file of files(SRC)) {
      for (const call of callsIn(readFileSync(file, "utf8"))) {
        const shapes = found.get(call.name) ?? new Set<string>();
        shapes.add([...call.args].sort().join(","));
        found.set(call.name, shapes);
      }
    }
    const declared = Object.fromEntries(
      Object.entries(OUR_CALLS).map(([name, shapes]) => [name, new Set(shapes.map((s) => [...s].sort().join(",")))]),
    );
    expect(Object.fromEntries(found)).toEqual(declared);
  });
});
