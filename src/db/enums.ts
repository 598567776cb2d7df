// Enum values of the users' existing schema (docs/schema.md). Fixed: never rename.
// (Their platform_enum is in core/platform.ts, with the platforms we read.)
export const COFFEE_STATUSES = [
  "active",
  "seasonal",
  "discontinued",
  "draft",
  "hidden",
  "coming_soon",
  "archived",
] as const;
export type CoffeeStatus = (typeof COFFEE_STATUSES)[number];

export const ROAST_LEVELS = ["light", "light_medium", "medium", "medium_dark", "dark"] as const;
export type RoastLevel = (typeof ROAST_LEVELS)[number];

export const PROCESSES = [
  "washed",
  "natural",
  "honey",
  "pulped_natural",
  "monsooned",
  "wet_hulled",
  "anaerobic",
  "carbonic_maceration",
  "double_fermented",
  "experimental",
  "other",
] as const;
export type Process = (typeof PROCESSES)[number];

export const SPECIES = [
  "arabica",
  "robusta",
  "liberica",
  "blend",
  "arabica_80_robusta_20",
  "arabica_70_robusta_30",
  "arabica_60_robusta_40",
  "arabica_50_robusta_50",
  "robusta_80_arabica_20",
  "arabica_chicory",
  "robusta_chicory",
  "blend_chicory",
  "filter_coffee_mix",
] as const;
export type Species = (typeof SPECIES)[number];

export const GRINDS = [
  "whole",
  "filter",
  "espresso",
  "omni",
  "other",
  "turkish",
  "moka",
  "cold_brew",
  "aeropress",
  "channi",
  "coffee filter",
  "cold brew",
  "french press",
  "home espresso",
  "commercial espresso",
  "inverted aeropress",
  "south indian filter",
  "moka pot",
  "pour over",
  "syphon",
] as const;
export type Grind = (typeof GRINDS)[number];

export const RUN_STATUSES = ["ok", "partial", "fail"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
