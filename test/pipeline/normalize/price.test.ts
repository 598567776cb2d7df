import { describe, expect, it } from "vitest";
import { parsePrice } from "../../../src/pipeline/normalize/price.ts";

describe("parsePrice", () => {
  it.each([
    [{ amount: "450.00" }, 450],
    [{ amount: "7323.75" }, 7323.75],
    [{ amount: "13387.50" }, 13387.5],
    [{ amount: "1,299.00" }, 1299],
    [{ amount: " 210.00 " }, 210],
    [{ amount: "0.30" }, 0.3],
    [{ amount: "45000", minorUnit: 2 }, 450],
    [{ amount: "14900", minorUnit: 2 }, 149],
    [{ amount: "888000", minorUnit: 2 }, 8880],
    [{ amount: "12345", minorUnit: 2 }, 123.45],
    [{ amount: "30", minorUnit: 2 }, 0.3],
    [{ amount: "1500", minorUnit: 0 }, 1500],
    [{ amount: "1234", minorUnit: 3 }, 1.234],
  ])("%j → %s", (input, expected) => {
    expect(parsePrice(input)).toBe(expected);
  });

  it.each([
    [{ amount: "abc" }],
    [{ amount: "-5" }],
    [{ amount: "1e308" }],
    [{ amount: "Infinity" }],
    [{ amount: "NaN" }],
    [{ amount: "" }],
    [{ amount: null }],
    [{ amount: "0" }],
    [{ amount: "0.00" }],
    [{ amount: "0", minorUnit: 2 }],
    [{ amount: "20000000" }],
    [{ amount: "450.00", minorUnit: 2 }],
    [{ amount: "-4500", minorUnit: 2 }],
    [{ amount: "4500", minorUnit: -1 }],
    [{ amount: "4500", minorUnit: 2.5 }],
    [{ amount: "1.2.3" }],
  ])("%j → null", (input) => {
    expect(parsePrice(input)).toBeNull();
  });
});
