// The vocabulary tables are data: every value they name must be one the users' schema has,
// and every synonym must read back as its own value.
import { describe, expect, it } from "vitest";
import { GRINDS, PROCESSES, ROAST_LEVELS, SPECIES } from "../../../src/db/enums.ts";
import { parseGrind } from "../../../src/pipeline/normalize/grind.ts";
import { parseOrigin } from "../../../src/pipeline/normalize/origin.ts";
import { parseProcess } from "../../../src/pipeline/normalize/process.ts";
import { parseRoastLevel } from "../../../src/pipeline/normalize/roast.ts";
import { parseVarieties } from "../../../src/pipeline/normalize/varieties.ts";
import { GRIND_VOCABULARY } from "../../../src/pipeline/normalize/vocabulary/grind.ts";
import { PROCESS_VOCABULARY } from "../../../src/pipeline/normalize/vocabulary/process.ts";
import { INDIAN_REGION_VOCABULARY } from "../../../src/pipeline/normalize/vocabulary/regions.ts";
import { ROAST_LEVELS_VOCABULARY } from "../../../src/pipeline/normalize/vocabulary/roast.ts";
import { SPECIES_VOCABULARY } from "../../../src/pipeline/normalize/vocabulary/species.ts";
import { VARIETY_VOCABULARY } from "../../../src/pipeline/normalize/vocabulary/varieties.ts";

describe("vocabulary tables", () => {
  it("name only values of the users' enums", () => {
    for (const e of GRIND_VOCABULARY) expect(GRINDS).toContain(e.value);
    for (const e of ROAST_LEVELS_VOCABULARY) expect(ROAST_LEVELS).toContain(e.value);
    for (const e of PROCESS_VOCABULARY) expect(PROCESSES).toContain(e.value);
    for (const e of SPECIES_VOCABULARY) expect(SPECIES).toContain(e.value);
  });

  it("never produce the old-generation grind values (cold_brew, moka)", () => {
    const values = new Set(GRIND_VOCABULARY.map((e) => e.value));
    expect(values.has("cold_brew")).toBe(false);
    expect(values.has("moka")).toBe(false);
  });

  it.each(GRIND_VOCABULARY.flatMap((e) => e.synonyms.map((s) => [s, e.value] as const)))(
    "grind option value %s → %s",
    (synonym, value) => {
      expect(parseGrind([synonym]).grind).toBe(value);
    },
  );

  it.each(ROAST_LEVELS_VOCABULARY.flatMap((e) => e.synonyms.map((s) => [s, e.value] as const)))(
    "%s roast → %s",
    (synonym, value) => {
      expect(parseRoastLevel([`${synonym} roast`]).level).toBe(value);
      expect(parseRoastLevel([`Roast: ${synonym}`]).level).toBe(value);
    },
  );

  it.each(
    PROCESS_VOCABULARY.flatMap((e) =>
      [...e.names, ...(e.labelNames ?? [])].map((s) => [s, e.value] as const),
    ),
  )("process %s → %s", (synonym, value) => {
    expect(parseProcess([synonym]).process).toBe(value);
  });

  it.each(VARIETY_VOCABULARY.flatMap((e) => e.synonyms.map((s) => [s, e.value] as const)))(
    "variety %s → %s",
    (synonym, value) => {
      expect(parseVarieties([`Grown: ${synonym}.`])).toEqual([value]);
    },
  );

  it.each(INDIAN_REGION_VOCABULARY.flatMap((e) => e.synonyms.map((s) => [s, e.value] as const)))(
    "region %s → %s",
    (synonym, value) => {
      expect(parseOrigin([`From ${synonym}.`])).toEqual({ region: value, country: "India" });
    },
  );

  it("a bare fineness word is a grind only as a grind option's value", () => {
    expect(parseGrind(["Medium"]).grind).toBe("filter");
    expect(parseGrind(["Medium"], { fromGrindOption: false }).grind).toBeNull();
    expect(parseGrind(["Medium Grind"], { fromGrindOption: false }).grind).toBe("filter");
  });

  it("process words in prose need process context", () => {
    expect(parseProcess(["Notes of honey and plum from a natural forest setting"]).process).toBeNull();
    expect(parseProcess(["This lot was honey processed at the farm"]).process).toBe("honey");
    expect(parseProcess(["Process: Natural. Notes of berries."]).process).toBe("natural");
  });
});

describe("places that are also elsewhere", () => {
  it.each([
    ["Grown near Salem, Tamil Nadu", "Shevaroys"],
    ["Salem", "Shevaroys"],
    ["Estates around Salem in Tamil Nadu", "Shevaroys"],
    ["Roasted in Salem, Oregon", null],
    ["Our shop in Salem, MA", null],
  ])("%s → region %s", (text, region) => {
    expect(parseOrigin([text]).region).toBe(region);
  });
});
