import { declaredMeta, SETTING_NAMES, settingsSchema } from "./settings.ts";

/** The README's configuration table: every setting, its default and its meaning. */
export function settingsTable(): string {
  const defaults = settingsSchema.parse({}) as Record<string, unknown>;
  const rows = SETTING_NAMES.map((name) => {
    const value = defaults[name];
    const shown = value === undefined ? "unset" : `\`${String(value)}\``;
    return `| \`${name}\` | ${shown} | ${declaredMeta(name).doc} |`;
  });
  return ["| variable | default | meaning |", "|---|---|---|", ...rows].join("\n");
}
