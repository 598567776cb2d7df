// npm run bench — runs every benchmark of the project, one after the other (each prints its
// figures against a baseline measured in the same run), and writes bench/RESULTS.md: the
// machine, the date, each benchmark's headline lines (figure, baseline, ratio, target) and
// its full output, copied as printed. Nothing is computed here that a benchmark did not print.
//
// Uses DATABASE_URL and REDIS_URL like the benchmarks themselves (connection strings are
// never written to the report). BENCH_ONLY=queue,fetch runs a subset.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const ALL = ["queue", "fetch", "normalize", "ingest", "fleet", "schedule", "dashboard"] as const;
const ONLY = process.env.BENCH_ONLY?.split(",").map((s) => s.trim());
const BENCHES = ALL.filter((b) => !ONLY || ONLY.includes(b));

interface Result {
  name: string;
  code: number | null;
  seconds: number;
  output: string;
}

/** Lines that carry a figure against its baseline or target. */
const HEADLINE = /ratio|baseline|target|minimum|floor|p95|peak RSS|jobs\/s|roasters\/s|skipped/i;

function run(name: string): Promise<Result> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join("bench", `${name}.ts`)], {
      cwd: ROOT,
      env: process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const take = (d: Buffer) => {
      const s = d.toString("utf8");
      output += s;
      process.stdout.write(s);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("close", (code) =>
      resolve({ name, code, seconds: (performance.now() - started) / 1000, output }),
    );
  });
}

function machine(): string {
  const cpus = os.cpus();
  return (
    `${cpus.length} × ${cpus[0]?.model.trim() ?? "unknown CPU"}, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GB RAM, ` +
    `${os.type()} ${os.release()} ${os.arch()}, Node ${process.version}`
  );
}

function servers(): string {
  const parts = [
    process.env.DATABASE_URL ? "PostgreSQL (DATABASE_URL)" : "PGlite (no DATABASE_URL)",
    process.env.REDIS_URL ? "Redis (REDIS_URL)" : "no Redis (BullMQ parts skipped)",
  ];
  return parts.join(", ");
}

/** Colours out; connection strings (should a benchmark print one) never reach the report. */
const strip = (s: string) =>
  s
    .replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g"), "")
    .replace(/\b(postgres(?:ql)?|rediss?):\/\/\S+/g, "$1://<redacted>");

const results: Result[] = [];
for (const name of BENCHES) {
  console.log(`\n== bench:${name}`);
  results.push(await run(name));
}

const date = new Date().toISOString();
const md = [
  "# Benchmark results",
  "",
  `Written by \`npm run bench\` (bench/run-all.ts) on ${date}.`,
  "",
  `- Machine: ${machine()}`,
  `- Servers: ${servers()}`,
  "- Each benchmark measures its own baseline in the same run; the lines below are copied from",
  "  its output as printed (figure, baseline, ratio, target). Full output follows.",
  "",
  "| benchmark | exit | time | figures (as printed) |",
  "|---|---|---|---|",
  ...results.map((r) => {
    const lines = strip(r.output)
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && HEADLINE.test(l));
    const cell =
      lines.map((l) => `\`${l.replace(/\|/g, "\\|").replace(/`/g, "'")}\``).join("<br>") ||
      "(no figures printed)";
    return `| bench:${r.name} | ${r.code ?? "killed"} | ${r.seconds.toFixed(0)} s | ${cell} |`;
  }),
  "",
  ...results.flatMap((r) => [
    `## bench:${r.name}`,
    "",
    `exit ${r.code ?? "killed"}, ${r.seconds.toFixed(1)} s`,
    "",
    "```",
    strip(r.output).trimEnd(),
    "```",
    "",
  ]),
].join("\n");

writeFileSync(path.join(ROOT, "bench", "RESULTS.md"), md);
console.log(`\nwrote bench/RESULTS.md (${results.length} benchmarks)`);
process.exit(results.every((r) => r.code === 0) ? 0 : 1);
