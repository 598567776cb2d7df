import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { parse as parseToml } from "smol-toml";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { buildProgram } from "../../src/cli/main.ts";
import { cronProblem } from "../../src/config/roaster.ts";
import { readRoasterFile } from "../../src/config/roaster-file.ts";
import { SETTING_NAMES } from "../../src/config/settings.ts";

// The deployment files are checked here, since no Docker engine or GitHub runner is at hand:
// they parse, their crons are valid, every coffee-scraper command and flag they run exists
// in our CLI (renaming a command breaks this test), and env.example lists every setting.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");
// Merge keys (`<<: *app`) on, as Docker Compose reads them.
const yamlOf = (file: string) => parseYaml(read(file), { merge: true }) as Record<string, unknown>;
type Obj = Record<string, unknown>;
const obj = (v: unknown) => v as Obj;

const CLI = await buildProgram();

/** Resolves `args` (e.g. ["roasters", "next", "--json"]) against the real CLI; returns the problems. */
function cliProblems(args: string[]): string[] {
  let command: Command = CLI;
  const words = args.filter((a) => !a.startsWith("-"));
  for (const word of words) {
    const sub = command.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!sub) {
      if (command.commands.length > 0)
        return [`no command \`${[...words.slice(0, words.indexOf(word)), word].join(" ")}\``];
      break; // an argument of a leaf command (e.g. a slug)
    }
    command = sub;
  }
  if (command.commands.length > 0 && command.name() !== "coffee-scraper") {
    return [`\`${args.join(" ")}\` names a command group, not a command`];
  }
  const problems: string[] = [];
  for (const flag of args.filter((a) => a.startsWith("--"))) {
    const long = flag.split("=")[0]!;
    if (long === "--help") continue;
    if (!command.options.some((o) => o.long === long))
      problems.push(`\`${command.name()}\` has no option ${long}`);
  }
  return problems;
}

/** Every `coffee-scraper …` invocation in a shell script, as words (quoted shell variables kept as words). */
function invocations(script: string): string[][] {
  const found: string[][] = [];
  for (const match of script.matchAll(/coffee-scraper((?:[ \t]+[^\s;&|#]+)+)/g)) {
    found.push(match[1]!.trim().split(/\s+/));
  }
  return found;
}

describe("the CLI lookup used by these checks", () => {
  it("accepts real commands and flags, and rejects renamed ones", () => {
    expect(cliProblems(["schedule", "--once", "--dry-run", "--json", "--at"])).toEqual([]);
    expect(cliProblems(["roasters", "next", "--json"])).toEqual([]);
    expect(cliProblems(["enqueue", "$ROASTER", "--type", "$TYPE"])).toEqual([]);
    expect(cliProblems(["schedul", "--once"])).toEqual(["no command `schedul`"]);
    expect(cliProblems(["schedule", "--one"])).toEqual(["`schedule` has no option --one"]);
    expect(cliProblems(["roasters", "nxt"])).toEqual(["no command `roasters nxt`"]);
    expect(cliProblems(["roasters"])).toHaveLength(1);
  });
});

describe("env.example", () => {
  const listed = read("env.example")
    .split("\n")
    .map((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
    .filter((name): name is string => Boolean(name));

  it("lists every setting of src/config/settings.ts", () => {
    expect(SETTING_NAMES.filter((name) => !listed.includes(name))).toEqual([]);
  });

  it("lists nothing that is not a setting, and nothing twice", () => {
    expect(listed.filter((name) => !(SETTING_NAMES as string[]).includes(name))).toEqual([]);
    expect(new Set(listed).size).toBe(listed.length);
  });
});

describe(".github/workflows/scheduler.yml", () => {
  const wf = yamlOf(".github/workflows/scheduler.yml");
  const on = obj(wf.on);
  const steps = Object.values(obj(wf.jobs)).flatMap((job) => obj(job).steps as Obj[]);
  const scripts = steps.map((s) => s.run).filter((r): r is string => typeof r === "string");

  it("has crons that parse, including the defaults' days and an hourly tick off minute 0", () => {
    const crons = (on.schedule as { cron: string }[]).map((s) => s.cron);
    expect(crons.length).toBeGreaterThanOrEqual(3);
    for (const cron of crons) expect(cronProblem(cron), cron).toBeNull();
    for (const cron of crons) expect(cron.split(" ")[0], `${cron} fires at minute 0`).not.toBe("0");
    expect(crons.some((c) => /^\d+ \* \* \* \*$/.test(c))).toBe(true); // hourly
    expect(crons.some((c) => / 1 \* \*$/.test(c))).toBe(true); // monthly, on the 1st
    expect(crons.some((c) => / \* \* 0$/.test(c))).toBe(true); // weekly, on Sunday
  });

  it("can be dispatched by hand with type, roaster and dry-run inputs", () => {
    const inputs = obj(obj(on.workflow_dispatch).inputs);
    expect(Object.keys(inputs).sort()).toEqual(["dry_run", "roaster", "type"]);
    expect(obj(inputs.type).options).toEqual(["scheduled", "full", "price"]);
    expect(obj(inputs.dry_run).type).toBe("boolean");
  });

  it("never overlaps, and takes DATABASE_URL and REDIS_URL from secrets", () => {
    expect(obj(wf.concurrency)).toMatchObject({ "cancel-in-progress": false });
    expect(typeof obj(wf.concurrency).group).toBe("string");
    const env = obj(obj(obj(wf.jobs).tick).env);
    expect(env.DATABASE_URL).toBe("${{ secrets.DATABASE_URL }}");
    expect(env.REDIS_URL).toBe("${{ secrets.REDIS_URL }}");
  });

  it("runs schedule --once, and only commands and flags our CLI has", () => {
    const calls = scripts.flatMap(invocations);
    expect(calls).toContainEqual(["schedule", "--once"]);
    expect(calls.some((c) => c[0] === "enqueue")).toBe(true);
    for (const call of calls) expect(cliProblems(call), call.join(" ")).toEqual([]);
  });

  it("installs what `coffee-scraper` needs to run (tsx is a runtime dependency)", () => {
    expect(scripts.some((s) => s.includes("npm ci"))).toBe(true);
    const pkg = JSON.parse(read("package.json")) as { dependencies: Obj; bin: Obj };
    expect(pkg.dependencies.tsx).toBeDefined();
    expect(pkg.bin["coffee-scraper"]).toBe("bin/coffee-scraper.js");
  });
});

describe(".github/workflows/ci.yml", () => {
  const wf = yamlOf(".github/workflows/ci.yml");
  const job = obj(obj(wf.jobs).test);

  it("runs the suite against PostgreSQL 15 and Redis 7 service containers through .ci/run", () => {
    const services = obj(job.services);
    expect(obj(services.postgres).image).toBe("postgres:15");
    expect(obj(services.redis).image).toMatch(/^redis:7/);
    const runs = (job.steps as Obj[]).map((s) => s.run).filter(Boolean);
    expect(runs).toContain("bash .ci/run");
    expect(existsSync(path.join(ROOT, ".ci/run"))).toBe(true);
  });
});

describe("docker-compose.yml", () => {
  const compose = yamlOf("docker-compose.yml");
  const services = obj(compose.services);

  it("has postgres, redis, a one-shot migrate, worker and scheduler", () => {
    expect(Object.keys(services).sort()).toEqual(["migrate", "postgres", "redis", "scheduler", "worker"]);
    expect(obj(services.migrate).restart).toBe("no");
    for (const name of ["worker", "scheduler"]) {
      expect(obj(obj(services[name]).depends_on).migrate).toEqual({
        condition: "service_completed_successfully",
      });
    }
  });

  it("runs redis with append-only persistence and maxmemory-policy noeviction (BullMQ)", () => {
    const command = (obj(services.redis).command as string[]).join(" ");
    expect(command).toMatch(/--appendonly yes/);
    expect(command).toMatch(/--maxmemory-policy noeviction/);
    expect(obj(services.redis).volumes).toBeDefined();
  });

  it("runs commands our CLI has, pointed at the compose postgres and redis", () => {
    const commands = ["migrate", "worker", "scheduler"].map((s) => obj(services[s]).command as string[]);
    expect(commands).toEqual([["migrate"], ["worker"], ["schedule"]]);
    for (const command of commands) expect(cliProblems(command)).toEqual([]);
    const env = obj(obj(services.worker).environment);
    expect(env.DATABASE_URL).toMatch(/^postgres:\/\/.*@postgres:5432\//);
    expect(env.REDIS_URL).toBe("redis://redis:6379");
    expect(obj(services.postgres).image).toBe("postgres:15");
  });
});

describe("Dockerfile and .dockerignore", () => {
  const dockerfile = read("Dockerfile");
  const instructions = dockerfile
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  const all = (keyword: string) => instructions.filter((l) => l.startsWith(`${keyword} `));
  const exec = (line: string) => JSON.parse(line.slice(line.indexOf("["))) as string[];

  it("is multi-stage on Node 20 and installs production dependencies only", () => {
    const froms = all("FROM");
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) expect(from).toMatch(/^FROM node:20[-.\w]* AS \w+$/);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).not.toMatch(/npm (ci|install)(?![^\n]*--omit=dev)/);
    expect(all("COPY").some((c) => c.includes("--from=deps") && c.includes("node_modules"))).toBe(true);
  });

  it("copies files that exist and runs as a non-root user", () => {
    for (const copy of all("COPY").filter((c) => !c.includes("--from="))) {
      const parts = copy.split(/\s+/).filter((p) => !p.startsWith("--"));
      for (const source of parts.slice(1, -1)) expect(existsSync(path.join(ROOT, source)), source).toBe(true);
    }
    const users = all("USER");
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/USER (root|0)\b/);
  });

  it("starts node under tini, and its CMD and HEALTHCHECK are commands our CLI has", () => {
    const entrypoint = exec(all("ENTRYPOINT").at(-1)!);
    expect(entrypoint.slice(0, 2)).toEqual(["/usr/bin/tini", "--"]);
    expect(entrypoint.slice(2)).toEqual(["node", "bin/coffee-scraper.js"]);
    expect(dockerfile).toMatch(/apt-get install[^\n]*tini/);
    expect(cliProblems(exec(all("CMD").at(-1)!))).toEqual([]);
    const health = all("HEALTHCHECK");
    expect(health).toHaveLength(1);
    const check = exec(health[0]!);
    expect(check.slice(0, 2)).toEqual(["node", "bin/coffee-scraper.js"]);
    expect(cliProblems(check.slice(2))).toEqual([]);
  });

  it(".dockerignore keeps secrets and local state out, and what the image needs in", () => {
    const ignored = read(".dockerignore")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    for (const entry of ["node_modules", ".git", ".env", "data", "roasters.yaml"])
      expect(ignored).toContain(entry);
    for (const needed of [
      "src",
      "bin",
      "package.json",
      "package-lock.json",
      "roasters.example.yaml",
      "tsconfig.json",
    ]) {
      expect(ignored).not.toContain(needed);
    }
  });
});

describe("fly.toml and fly.scheduler.toml", () => {
  const worker = parseToml(read("fly.toml")) as Obj;
  const scheduler = parseToml(read("fly.scheduler.toml")) as Obj;

  it("worker-ingest runs `worker`, with migrations as the release command", () => {
    expect(worker.app).toBe("worker-ingest");
    expect(obj(worker.deploy).release_command).toBe("migrate");
    expect(obj(worker.processes)).toEqual({ worker: "worker" });
    expect(worker.kill_signal).toBe("SIGTERM");
    // Enough time for the SHUTDOWN_TIMEOUT_MS drain it sets.
    const shutdownMs = Number(obj(worker.env).SHUTDOWN_TIMEOUT_MS);
    expect(Number.parseInt(String(worker.kill_timeout), 10) * 1000).toBeGreaterThan(shutdownMs);
  });

  it("worker-ingest serves metrics and a liveness check on the METRICS_PORT it sets", () => {
    const port = Number(obj(worker.env).METRICS_PORT);
    expect(port).toBeGreaterThan(0);
    expect(obj(worker.metrics)).toEqual({ port, path: "/metrics" });
    expect(obj(obj(worker.checks).alive)).toMatchObject({ type: "http", port, path: "/healthz", processes: ["worker"] });
  });

  it("the scheduler fallback runs `schedule`", () => {
    expect(obj(scheduler.processes)).toEqual({ scheduler: "schedule" });
    expect(obj(scheduler.deploy).release_command).toBe("migrate");
  });

  it("every command they run exists in our CLI, and every [env] key is a setting", () => {
    for (const app of [worker, scheduler]) {
      const commands = [
        String(obj(app.deploy).release_command),
        ...Object.values(obj(app.processes)).map(String),
      ];
      for (const command of commands) expect(cliProblems(command.split(/\s+/)), command).toEqual([]);
      for (const key of Object.keys(obj(app.env))) expect(SETTING_NAMES as string[]).toContain(key);
    }
  });
});

describe("roasters.example.yaml, docs/deployment.md and the benchmark", () => {
  it("roasters.example.yaml validates and names a Shopify and a WooCommerce store", () => {
    const roasters = readRoasterFile(path.join(ROOT, "roasters.example.yaml"));
    expect(roasters.length).toBeGreaterThanOrEqual(3);
    expect(roasters.find((r) => r.slug === "blue-tokai")).toMatchObject({
      platform: "shopify",
      website: "https://bluetokaicoffee.com",
    });
    expect(roasters.find((r) => r.slug === "babas-beans")).toMatchObject({ platform: "woocommerce" });
  });

  it("docs/deployment.md only runs commands and flags our CLI has (in its code blocks)", () => {
    const blocks = [...read("docs/deployment.md").matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)].map(
      (m) => m[1]!,
    );
    const calls = blocks.flatMap(invocations);
    expect(calls.length).toBeGreaterThan(5);
    for (const call of calls) {
      const words = call.filter((w) => /^[-a-z]/.test(w) && !w.includes("…"));
      expect(cliProblems(words), call.join(" ")).toEqual([]);
    }
  });

  it("npm run bench:schedule exists", () => {
    const pkg = JSON.parse(read("package.json")) as { scripts: Record<string, string> };
    expect(pkg.scripts["bench:schedule"]).toMatch(/bench\/schedule\.ts/);
    expect(existsSync(path.join(ROOT, "bench/schedule.ts"))).toBe(true);
  });
});
