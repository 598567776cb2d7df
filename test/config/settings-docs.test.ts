import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SETTING_DOCS } from "../../src/config/settings-docs.ts";
import { settingsTable } from "../../src/config/settings-table.ts";
import { SETTING_NAMES } from "../../src/config/settings.ts";

describe("settings documentation", () => {
  it("documents every setting, and nothing that is not one", () => {
    expect(Object.keys(SETTING_DOCS).sort()).toEqual([...SETTING_NAMES].sort());
  });

  it("the README's configuration table is the generated one (npm run docs:settings)", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    expect(readme).toContain(settingsTable());
  });
});
