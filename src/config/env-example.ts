import { SETTING_GROUPS, type SettingGroup } from "./setting-meta.ts";
import { declaredMeta, SETTING_NAMES, settingsSchema } from "./settings.ts";

const HEADER = [
  "# coffee-scraper settings: every variable of src/config/settings.ts, with its default.",
  "# Copy to .env (Compose reads it) or set them as secrets/env on your host. Unset = default.",
  "# Generated from the schema by `npm run docs:settings`; a test (test/config) fails when it is not.",
];

/** env.example: every setting under its group's heading, its doc as a comment, its default as value. */
export function envExample(): string {
  const defaults = settingsSchema.parse({}) as Record<string, unknown>;
  const lines = [...HEADER];
  let group: SettingGroup | null = null;
  for (const name of SETTING_NAMES) {
    const meta = declaredMeta(name);
    if (meta.group !== group) {
      group = meta.group;
      lines.push("", `# --- ${SETTING_GROUPS[group]}`);
    }
    const value = defaults[name];
    lines.push(`# ${meta.doc}`, `${name}=${value === undefined ? "" : String(value)}`);
  }
  return `${lines.join("\n")}\n`;
}
