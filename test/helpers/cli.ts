import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../bin/coffee-scraper.js");

/**
 * The timeout of a test that starts several CLI processes. Each start costs ~2 s of CPU
 * (tsx, the module graph, PGlite's WebAssembly) and takes ~2 s on an idle machine, but up to
 * ~10 s while CI runs three test files on two cores: the default 30 s is too tight for four.
 */
export const CLI_TEST_TIMEOUT = 120_000;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real CLI in a child process. The environment is the test's own settings only:
 * DATABASE_URL/REDIS_URL from the outer run are not inherited unless passed in `env`.
 */
export function runCli(args: string[], env: Record<string, string | undefined>, options: { cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const { DATABASE_URL: _d, REDIS_URL: _r, CONFIG_FILE: _c, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? process.cwd(),
      env: { ...inherited, LOG_FORMAT: "json", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
