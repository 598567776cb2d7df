import { loadSettings, type Settings } from "../../src/config/settings.ts";

/** Settings as the app resolves them, from an explicit environment (nothing from process.env). */
export function testSettings(env: Record<string, string | number | undefined> = {}): Settings {
  const vars: NodeJS.ProcessEnv = { LOG_FORMAT: "json", LOG_LEVEL: "info", ALLOW_PRIVATE_NETWORKS: "true" };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) vars[k] = String(v);
  return loadSettings(vars, false);
}
