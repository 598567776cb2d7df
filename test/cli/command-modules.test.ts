import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram, COMMAND_MODULES } from "../../src/cli/main.ts";

// main.ts loads only the module of the command a process runs, by the names its table says
// each module registers. A command added to a module but not to the table would be missing
// from that process; this keeps the two the same.

const names = (program: Command) => program.commands.map((c) => c.name());

describe("the CLI's command modules", () => {
  it.each(COMMAND_MODULES.map((m) => [m.names.join(", "), m] as const))("%s: the names the module registers", async (_label, module) => {
    const program = new Command("coffee-scraper");
    (await module.load())(program);
    expect(names(program)).toEqual(module.names);
  });

  it("the whole CLI is every module's commands, each named once", async () => {
    const all = names(await buildProgram());
    expect(all).toEqual(COMMAND_MODULES.flatMap((m) => m.names));
    expect(new Set(all).size).toBe(all.length);
  });

  it("a process that runs one command builds only that command's module; help and mistakes build them all", async () => {
    const argv = (...args: string[]) => ["node", "coffee-scraper", ...args];
    expect(names(await buildProgram(argv("roasters", "list", "--json")))).toEqual(["roasters"]);
    expect(names(await buildProgram(argv("--help")))).toEqual(names(await buildProgram()));
    expect(names(await buildProgram(argv("help", "status")))).toEqual(names(await buildProgram()));
    expect(names(await buildProgram(argv("roastrs")))).toEqual(names(await buildProgram()));
    expect(names(await buildProgram(argv("status", "--json")))).toEqual(["enqueue", "worker", "status", "scrape"]);
  });
});
