import { describe, expect, it } from "vitest";
import { parseGrind } from "../../../src/pipeline/normalize/grind.ts";

describe("parseGrind", () => {
  it.each([
    // Blue Tokai option values
    ["Whole Bean", "whole", "Whole Bean"],
    ["Aeropress", "aeropress", "Aeropress"],
    ["Channi", "channi", "Channi"],
    ["Coffee Filter", "coffee filter", "Coffee Filter"],
    ["Cold Brew", "cold brew", "Cold Brew"],
    ["Commercial Espresso", "commercial espresso", "Commercial Espresso"],
    ["French Press", "french press", "French Press"],
    ["Home Espresso", "home espresso", "Home Espresso"],
    ["Inverted Aeropress", "inverted aeropress", "Inverted Aeropress"],
    ["Moka Pot", "moka pot", "Moka Pot"],
    ["Pourover", "pour over", "Pourover"],
    ["South Indian Filter", "south indian filter", "South Indian Filter"],
    ["Turkish", "turkish", "Turkish"],
    // Woo variation slugs and term names
    ["aero-press", "aeropress", "aero-press"],
    ["Aero press", "aeropress", "Aero press"],
    ["french-press", "french press", "french-press"],
    ["mocha-pot", "moka pot", "mocha-pot"],
    ["Mocha pot", "moka pot", "Mocha pot"],
    ["cold-brew", "cold brew", "cold-brew"],
    ["syphon", "syphon", "syphon"],
    ["whole-beans", "whole", "whole-beans"],
    // Other spellings
    ["Whole Beans", "whole", "Whole Beans"],
    ["Moka", "moka pot", "Moka"],
    ["Pour-Over", "pour over", "Pour-Over"],
    ["V60", "pour over", "V60"],
    ["Chemex", "pour over", "Chemex"],
    ["Aero Press", "aeropress", "Aero Press"],
    ["Espresso", "espresso", "Espresso"],
    ["Filter", "filter", "Filter"],
    ["Omni", "omni", "Omni"],
    ["Siphon", "syphon", "Siphon"],
    ["Ground", "other", "Ground"],
    ["Ground, for espresso", "espresso", "for espresso"],
    // Full variant titles: sizes are skipped
    ["250g / Whole Bean", "whole", "Whole Bean"],
    ["2lb / Whole Bean", "whole", "Whole Bean"],
    ["Pouch / 250 gms / Whole Beans", "whole", "Whole Beans"],
    ["1kg / South Indian Filter", "south indian filter", "South Indian Filter"],
  ])("%s → %s", (text, grind, raw) => {
    expect(parseGrind([text])).toEqual({ grind, raw });
  });

  it.each([[["250g"]], [["Default Title"]], [[]], [["Bangalore - 27th September - Saturday"]]])(
    "%j → no grind",
    (texts) => {
      expect(parseGrind(texts)).toEqual({ grind: null, raw: null });
    },
  );

  it("the first text with a grind wins", () => {
    expect(parseGrind(["250g", "French Press", "Whole Bean"]).grind).toBe("french press");
  });
});
