import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadSettings, type Settings } from "../../src/config/settings.ts";

/** Settings as the app resolves them, from an explicit environment (nothing from process.env). */
export function testSettings(env: Record<string, string | number | undefined> = {}): Settings {
  const vars: NodeJS.ProcessEnv = { LOG_FORMAT: "json", LOG_LEVEL: "info", ALLOW_PRIVATE_NETWORKS: "true" };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) vars[k] = String(v);
  return loadSettings(vars, false);
}

/**
 * Settings for a run against local stores: no spacing between requests and a data directory of
 * its own (named `tmpPrefix`…), on top of `env`.
 */
export function unpacedSettings(tmpPrefix: string, env: Record<string, string | number | undefined> = {}): Settings {
  return testSettings({ HTTP_DELAY_MS: 0, HTTP_JITTER_MS: 0, DATA_DIR: mkdtempSync(path.join(tmpdir(), tmpPrefix)), ...env });
}
