// The layer rules of .dependency-cruiser.cjs hold for src/, and each of them bites: a small
// tree that breaks every rule once is cruised with the same rules and every rule reports.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cruise, type IConfiguration, type IViolation } from "dependency-cruiser";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const config = createRequire(import.meta.url)(path.join(ROOT, ".dependency-cruiser.cjs")) as IConfiguration;

async function violations(baseDir: string, withTsConfig: boolean): Promise<IViolation[]> {
  const options = { ...config.options };
  if (!withTsConfig) delete options.tsConfig;
  const result = await cruise(["src"], {
    ...options,
    baseDir,
    ruleSet: { forbidden: config.forbidden ?? [] },
    validate: true,
    outputType: "json",
  });
  const output = typeof result.output === "string" ? JSON.parse(result.output) : result.output;
  return output.summary.violations as IViolation[];
}

const describeViolation = (v: IViolation) =>
  `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (${v.cycle.map((c) => c.name).join(" → ")})` : ""}`;

describe("layer rules", () => {
  it("hold for src/", async () => {
    const found = await violations(ROOT, true);
    expect(found.map(describeViolation)).toEqual([]);
  }, 60_000);

  const sandbox = mkdtempSync(path.join(os.tmpdir(), "cs-layers-"));
  afterAll(() => rmSync(sandbox, { recursive: true, force: true }));

  it("bite: a tree breaking each rule once is reported once per rule", async () => {
    const files: Record<string, string> = {
      "src/core/clock.ts": `import { x } from "../db/query.ts";\nexport const y = x;\n`,
      "src/db/query.ts": `import { s } from "../pipeline/stats.ts";\nexport const x = s;\n`,
      "src/pipeline/stats.ts": `import { w } from "../app/wiring.ts";\nexport const s = w;\n`,
      "src/app/wiring.ts": `export const w = 1;\n`,
      "src/fetch/client.ts": `import { x } from "../db/query.ts";\nexport const c = x;\n`,
      "src/fetch/pacer.ts": `export const p = 1;\n`,
      "src/platforms/shop.ts": `import { p } from "../fetch/pacer.ts";\nimport { x } from "../db/query.ts";\nexport const q = p + x;\n`,
      "src/config/settings.ts": `import { q } from "../platforms/shop.ts";\nexport const t = q;\n`,
      "src/queue/a.ts": `import { b } from "./b.ts";\nexport const a = b;\n`,
      "src/queue/b.ts": `import { a } from "./a.ts";\nexport const b = a;\n`,
    };
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(sandbox, file)), { recursive: true });
      writeFileSync(path.join(sandbox, file), text);
    }
    const found = await violations(sandbox, false);
    const byRule = new Set(found.map((v) => v.rule.name));
    for (const rule of config.forbidden ?? []) expect(byRule, rule.name).toContain(rule.name);
    expect(found.map(describeViolation)).toEqual(
      expect.arrayContaining([
        "core-imports-nothing-of-ours: src/core/clock.ts → src/db/query.ts",
        "db-imports-only-core-and-config: src/db/query.ts → src/pipeline/stats.ts",
        "only-entry-points-assemble: src/pipeline/stats.ts → src/app/wiring.ts",
        "fetch-never-imports-db: src/fetch/client.ts → src/db/query.ts",
        "platforms-use-only-the-fetch-interface: src/platforms/shop.ts → src/fetch/pacer.ts",
        "platforms-never-import-db: src/platforms/shop.ts → src/db/query.ts",
        "config-imports-only-core: src/config/settings.ts → src/platforms/shop.ts",
      ]),
    );
    expect(found.some((v) => v.rule.name === "no-circular" && v.from === "src/queue/a.ts")).toBe(true);
  }, 60_000);
});
