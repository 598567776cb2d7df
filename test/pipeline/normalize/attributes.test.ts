import { describe, expect, it } from "vitest";
import {
  parseAltitude,
  parseDecaf,
  parseOrigin,
  parseTastingNotes,
  parseVarieties,
} from "../../../src/pipeline/normalize/attributes.ts";

describe("parseDecaf", () => {
  it.each([
    ["Decaf Colombia", true],
    ["Decaffeinated", true],
    ["Swiss Water Process", true],
    ["Sugarcane EA decaf", true],
    ["Non-decaf", false],
    ["Attikan Estate", false],
  ])("%s → %s", (text, decaf) => {
    expect(parseDecaf([text])).toBe(decaf);
  });
});

describe("parseVarieties", () => {
  it.each([
    [["SL-795"], ["SL-795"]],
    [["S795 and Chandragiri"], ["SL-795", "Chandragiri"]],
    [["SL9, Selection 9, Cauvery"], ["SL-9", "Selection 9", "Cauvery"]],
    [["Catuai / Caturra / Catimor"], ["Catuai", "Caturra", "Catimor"]],
    [["Geisha"], ["Gesha"]],
    [["planted Gesha, one of the world’s rarest coffee varietals"], ["Gesha"]],
    [
      ["Kent & Typica", "Typica"],
      ["Kent", "Typica"],
    ],
    [["Red Bourbon"], ["Red Bourbon"]],
    [["Bourbon"], ["Bourbon"]],
    [["Kolli Berri Estate"], []],
  ])("%j → %j", (texts, varieties) => {
    expect(parseVarieties(texts)).toEqual(varieties);
  });
});

describe("parseOrigin", () => {
  it.each([
    [["Region : Coorg, Karnataka"], "India", "Coorg"],
    [["set in Chikmagalur, Karnataka"], "India", "Chikmagalur"],
    [["Kodagu"], "India", "Coorg"],
    [["ARAKU VALLEY"], "India", "Araku Valley"],
    [["Baba Budangiri"], "India", "Baba Budangiri"],
    [["Bababudangiri hills"], "India", "Baba Budangiri"],
    [["BR Hills"], "India", "Biligiri Rangan Hills"],
    [["Biligiriranga Hills"], "India", "Biligiri Rangan Hills"],
    [["Shevaroy Hills"], "India", "Shevaroys"],
    [["Nilgiris"], "India", "Nilgiris"],
    [["Wayanad"], "India", "Wayanad"],
    [["Sakleshpur"], "India", "Sakleshpur"],
    [["Region : Tripura"], "India", "Tripura"],
    [["Kerala", "Tamil Nadu"], "India", "Kerala"],
    [["Yirgacheffe, Ethiopia"], "Ethiopia", null],
    [["Huila, Colombia"], "Colombia", null],
    [["Kenya AA"], "Kenya", null],
    [["Sumatra Mandheling"], "Indonesia", null],
    [["Attikan Estate"], null, null],
  ])("%j → %s / %s", (texts, country, region) => {
    expect(parseOrigin(texts)).toEqual({ country, region });
  });
});

describe("parseAltitude", () => {
  it.each([
    ["1200-1400 masl", "1200-1400 masl"],
    ["1,450m", "1450 masl"],
    ["Altitude: 1450 m.a.s.l.", "1450 masl"],
    ["1200 to 1400 meters", "1200-1400 masl"],
    ["Elevation: 2800 Ft – 3600 Ft ASL", "2800-3600 ft"],
    ["Elevation: 3050 Ft ASL – 3300 Ft ASL", "3050-3300 ft"],
    ["Elevation: 2600- 2980 Ft ASL", "2600-2980 ft"],
    ["4,000 feet above sea level", "4000 ft"],
    ["French Press 600 ml", null],
    ["Coffee Origin: Chikmagalur Elevation + Coorg Ft , Karnataka – Ft Asl", null],
    ["Walk 15 m to the roastery", null],
  ])("%s → %s", (text, altitude) => {
    expect(parseAltitude([text])).toBe(altitude);
  });
});

describe("parseTastingNotes", () => {
  it.each([
    [["Tasting notes: chocolate, orange, caramel"], ["chocolate", "orange", "caramel"]],
    [["Notes: Jaggery | Cocoa | Orange"], ["jaggery", "cocoa", "orange"]],
    [
      ["notes_chocolate", "notes_citrus"],
      ["chocolate", "citrus"],
    ],
    [
      [
        "You'll first notice an aroma of berries. Next, layered notes of pineapple, grapefruit, and dried fig.",
      ],
      ["pineapple", "grapefruit", "dried fig"],
    ],
    [
      ["notes of red grapes, sweet lime, and cane sugar, wrapped in a syrupy and sweet mouthfeel."],
      ["red grapes", "sweet lime", "cane sugar"],
    ],
    [
      ["notes of blueberry and milk chocolate, with each sip concluding with a chocolatey finish."],
      ["blueberry", "milk chocolate"],
    ],
    [["Coffee Notes :", "Brewing Tip :"], []],
    [["Coffee Notes :\nBrewing Tip :"], []],
    [["Kolli Berri Estate"], []],
  ])("%j → %j", (texts, notes) => {
    expect(parseTastingNotes(texts)).toEqual(notes);
  });
});
