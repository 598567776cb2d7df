import { describe, expect, it } from "vitest";
import { parseRoastLevel, parseRoastStyle } from "../../../src/pipeline/normalize/roast.ts";

describe("parseRoastLevel", () => {
  it.each([
    ["light-roast", "light", "light-roast"],
    ["medium-roast", "medium", "medium-roast"],
    ["medium-dark-roast", "medium_dark", "medium-dark-roast"],
    ["Light Roast", "light", "Light Roast"],
    ["Light-Medium Roast", "light_medium", "Light-Medium Roast"],
    ["medium light roast", "light_medium", "medium light roast"],
    ["Medium to Dark Roast", "medium_dark", "Medium to Dark Roast"],
    ["Dark Roast", "dark", "Dark Roast"],
    ["Roast: Medium", "medium", "Roast: Medium"],
    ["Roast Level: Medium Dark", "medium_dark", "Roast Level: Medium Dark"],
    ["Roast Profile : Dark Roast", "dark", "Roast Profile : Dark"],
    ["Roast Profile : City Roast", "medium", "Roast Profile : City"],
    ["Roast Profile : Full City Roast", "medium_dark", "Roast Profile : Full City"],
    ["French Roast", "dark", "French Roast"],
    ["is a medium-dark roast with chocolatey and nutty flavours", "medium_dark", "medium-dark roast"],
    ["Roasted to a medium profile, it crafts vibrant cups", "medium", "Roasted to a medium"],
    ["Roasted light by Rishab from our team", "light", "Roasted light"],
    ["This light roast is from Seethargundu Estate", "light", "light roast"],
  ])("%s → %s", (text, level, raw) => {
    expect(parseRoastLevel([text])).toEqual({ level, raw });
  });

  it.each([
    ["With medium acidity and medium- high bitterness"],
    ["a light, tea-like body"],
    ["Dark chocolate notes"],
    ["French Press"],
    [""],
  ])("%s → no roast level", (text) => {
    expect(parseRoastLevel([text])).toEqual({ level: null, raw: null });
  });

  it("tags listed first beat description prose", () => {
    expect(parseRoastLevel(["medium-roast", "we roasted it light"]).level).toBe("medium");
  });
});

describe("parseRoastStyle", () => {
  it.each([
    ["Espresso Roast", "Espresso Roast"],
    ["our omni roast works for all", "omni roast"],
    ["Filter roast", "Filter roast"],
    ["Roasted for espresso", "Roasted for espresso"],
    ["Dark Roast", null],
  ])("%s → %s", (text, raw) => {
    expect(parseRoastStyle([text])).toBe(raw);
  });
});
