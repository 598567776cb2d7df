import { describe, expect, it } from "vitest";
import { parseProcess } from "../../../src/pipeline/normalize/process.ts";

describe("parseProcess", () => {
  it.each([
    ["Washed", "washed"],
    ["Fully Washed", "washed"],
    ["Wet Processed", "washed"],
    ["Natural", "natural"],
    ["Sun-dried", "natural"],
    ["Dry Process", "natural"],
    ["Honey", "honey"],
    ["Red Honey", "honey"],
    ["Black honey process", "honey"],
    ["Pulped Natural", "pulped_natural"],
    ["Monsooned Malabar AA", "monsooned"],
    ["monsoon-malabar", "monsooned"],
    ["Wet Hulled", "wet_hulled"],
    ["Giling Basah", "wet_hulled"],
    ["Anaerobic Natural", "anaerobic"],
    ["Carbonic Maceration", "carbonic_maceration"],
    ["Double Fermented", "double_fermented"],
    ["Koji fermented", "experimental"],
    ["Pineapple co-ferment", "experimental"],
    ["Yeast Inoculated Natural", "experimental"],
    ["Experimental", "experimental"],
    ["Semi-washed", "other"],
    ["Riverdale Estate - Gesha Natural", "natural"],
    [
      "This fruit-forward medium roast is processed using the natural method, with whole coffee cherries dried intact",
      "natural",
    ],
    [
      "The first coffee that we’ve sourced from the collective is a natural lot we’ve chosen to roast to a medium profile.",
      "natural",
    ],
    [
      "This washed coffee is clean, fruity and tea-like, with notes of sweet lime, apricot, and black tea.",
      "washed",
    ],
    [
      "The lot we sourced was processed using the carbonic maceration method and dried slowly over weeks.",
      "carbonic_maceration",
    ],
  ])("%s → %s", (text, process) => {
    expect(parseProcess([text]).process).toBe(process);
  });

  it.each([
    ["Cultivated with farming practices that help in strengthening a natural and healthy ecosystem."],
    ["A sweet cup with notes of honey, caramel and orange, best enjoyed black with a slice of cake."],
    ["Kolli Berri Estate"],
  ])("prose without process context → null: %s", (text) => {
    expect(parseProcess([text])).toEqual({ process: null, raw: null });
  });

  it("keeps the matched words as raw", () => {
    expect(parseProcess(["Mooleh Manay Estate – CM Natural"])).toEqual({
      process: "natural",
      raw: "Natural",
    });
  });

  it("the first text naming a process decides", () => {
    expect(parseProcess(["Attikan Estate", "Washed", "A natural lot"]).process).toBe("washed");
  });
});
