import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cronProblem, roasterConfigSchema } from "../../src/config/roaster.ts";
import { readRoasterFile, RoasterFileError } from "../../src/config/roaster-file.ts";

const tmp = mkdtempSync(path.join(tmpdir(), "cs-roasters-"));
const write = (name: string, text: string) => {
  const file = path.join(tmp, name);
  writeFileSync(file, text);
  return file;
};
const problemsOf = (file: string): string[] => {
  try {
    readRoasterFile(file);
  } catch (err) {
    if (err instanceof RoasterFileError) return err.problems;
    throw err;
  }
  return [];
};

describe("roaster config schema", () => {
  it("fills the defaults of the roasters table", () => {
    const r = roasterConfigSchema.parse({ slug: "blue-tokai", name: "Blue Tokai", website: "https://bluetokaicoffee.com/" });
    expect(r).toMatchObject({
      website: "https://bluetokaicoffee.com",
      is_active: true,
      full_cadence: "0 3 1 * *",
      price_cadence: "0 4 * * 0",
      default_concurrency: 3,
      use_firecrawl_fallback: false,
      use_llm: false,
      alert_price_delta_pct: 10,
    });
    expect(r.platform).toBeUndefined();
  });

  it.each([
    ["0 3 1 * *", null],
    ["*/30 * * * *", null],
    ["17 * * * *", null],
    ["61 * * * *", /59/],
    ["0 3 1 *", /5 fields/],
    ["0 0 3 1 * *", /5 fields/],
    ["every day", /5 fields/],
    ["0 25 * * *", /23/],
  ])("cron %s", (expression, problem) => {
    const result = cronProblem(expression);
    if (problem === null) expect(result).toBeNull();
    else expect(result).toMatch(problem);
  });

  it("normalises the currency to upper case and checks its shape", () => {
    expect(roasterConfigSchema.parse({ slug: "a", name: "A", website: "https://a.com", currency: "inr" }).currency).toBe("INR");
    expect(roasterConfigSchema.safeParse({ slug: "a", name: "A", website: "https://a.com", currency: "rupees" }).success).toBe(false);
  });
});

describe("roaster files", () => {
  it("reads a list at the top level (JSON) or under roasters: (YAML)", () => {
    const json = write("a.json", JSON.stringify([{ slug: "a", name: "A", website: "https://a.example" }]));
    expect(readRoasterFile(json).map((r) => r.slug)).toEqual(["a"]);
    const yaml = write("b.yaml", "roasters:\n  - slug: b\n    name: B\n    website: https://b.example\n    platform: woocommerce\n");
    expect(readRoasterFile(yaml)[0]).toMatchObject({ slug: "b", platform: "woocommerce" });
  });

  it("reports every problem as <slug or #index>.<field>: <message>", () => {
    const file = write(
      "bad.yaml",
      [
        "- slug: good",
        "  name: Good",
        "  website: https://good.example",
        "- slug: bad-cron",
        "  name: Bad Cron",
        "  website: https://x.example",
        '  full_cadence: "0 3 1 *"',
        "- name: No Slug",
        "  website: ftp://x.example",
        "- slug: bad-numbers",
        "  name: Bad Numbers",
        "  website: https://y.example",
        "  default_concurrency: 0",
        "  alert_price_delta_pct: 2000",
        "  platform: magento",
        "  colour: blue",
      ].join("\n"),
    );
    const problems = problemsOf(file);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^bad-cron\.full_cadence: invalid cron expression "0 3 1 \*": must have 5 fields/),
        expect.stringMatching(/^#2\.slug: /),
        expect.stringMatching(/^#2\.website: must be an http\(s\) URL/),
        expect.stringMatching(/^bad-numbers\.default_concurrency: /),
        expect.stringMatching(/^bad-numbers\.alert_price_delta_pct: /),
        expect.stringMatching(/^bad-numbers\.platform: /),
        "bad-numbers.colour: unknown field",
      ]),
    );
    expect(problems.some((p) => p.startsWith("good."))).toBe(false);
  });

  it("rejects duplicate slugs, unparsable files and wrong shapes", () => {
    expect(
      problemsOf(
        write("dup.yaml", "- {slug: a, name: A, website: 'https://a.example'}\n- {slug: a, name: A2, website: 'https://b.example'}\n"),
      ),
    ).toEqual(["a.slug: duplicate of entry #0"]);
    expect(problemsOf(write("broken.json", '[{"slug": "a",'))[0]).toMatch(/not valid YAML or JSON/);
    expect(problemsOf(write("map.yaml", "slug: a\n"))[0]).toMatch(/expected a list of roasters/);
    expect(problemsOf(path.join(tmp, "missing.yaml"))[0]).toMatch(/cannot read file: ENOENT/);
  });
});
