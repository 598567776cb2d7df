import { describe, expect, it } from "vitest";
import { parseSpecies } from "../../../src/pipeline/normalize/species.ts";

describe("parseSpecies", () => {
  it.each([
    [["Variety : Arabica"], "arabica"],
    [["100% Arabica"], "arabica"],
    [["Robusta Kaapi Royale"], "robusta"],
    [["Liberica"], "liberica"],
    [["Variety : Arabica & Robusta"], "blend"],
    [["80% Arabica 20% Robusta"], "arabica_80_robusta_20"],
    [["70% arabica, 30% robusta"], "arabica_70_robusta_30"],
    [["Arabica 60 : Robusta 40"], "arabica_60_robusta_40"],
    [["50/50 arabica robusta"], "arabica_50_robusta_50"],
    [["80% Robusta 20% Arabica"], "robusta_80_arabica_20"],
    [["90% arabica 10% robusta"], "blend"],
    [["Arabica coffee with chicory"], "arabica_chicory"],
    [["Robusta with 30% chicory"], "robusta_chicory"],
    [["Arabica and robusta blended with chicory"], "blend_chicory"],
    [
      ["SOUTH INDIAN FILTER COFFEE", "Coffee blended with chicory to bring out the strength"],
      "filter_coffee_mix",
    ],
    [["Filter Coffee Mix"], "filter_coffee_mix"],
    [["Chicory blend"], "blend_chicory"],
    [["100% Arabica, no chicory"], "arabica"],
    [["Kolli Berri Estate"], null],
    [[], null],
  ])("%j → %s", (texts, species) => {
    expect(parseSpecies(texts)).toBe(species);
  });

  it("the first text naming a species wins over later prose", () => {
    expect(parseSpecies(["Robusta Kaapi Royale", "smoother than most arabica"])).toBe("robusta");
  });
});
