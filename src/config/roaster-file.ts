import { describeInterval, shortestInterval } from "../core/cadence.ts";
import { readConfigText } from "./config-text.ts";
import { roasterConfigSchema, type RoasterConfig } from "./roaster.ts";
import { DEFAULT_CADENCE_FLOORS, type CadenceFloors } from "./settings.ts";

export class RoasterFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "RoasterFileError";
  }
}

/**
 * Reads a YAML or JSON file holding a list of roasters (at the top level or under
 * `roasters:`) and validates all of it. Every problem is reported as
 * `<slug or #index>.<field>: <message>`; nothing is returned unless the whole file is valid.
 */
export function readRoasterFile(file: string, floors: CadenceFloors = DEFAULT_CADENCE_FLOORS): RoasterConfig[] {
  // Size-bounded; a syntax error names its position, never the lines around it.
  const read = readConfigText(file);
  if (!read.ok) throw new RoasterFileError(file, [read.problem]);
  return validateRoasterList(file, read.data, floors);
}

/** Validates roaster entries, cadences against `floors` (FULL/PRICE_CADENCE_MIN_INTERVAL_MS) included. */
export function validateRoasterList(file: string, data: unknown, floors: CadenceFloors = DEFAULT_CADENCE_FLOORS): RoasterConfig[] {
  const list =
    data && typeof data === "object" && !Array.isArray(data) && "roasters" in data
      ? (data as { roasters: unknown }).roasters
      : data;
  if (!Array.isArray(list)) {
    throw new RoasterFileError(file, ["expected a list of roasters, at the top level or under a `roasters:` key"]);
  }
  const problems: string[] = [];
  const roasters: RoasterConfig[] = [];
  const seen = new Map<string, number>();
  list.forEach((entry, index) => {
    const slug = entry && typeof entry === "object" && typeof (entry as { slug?: unknown }).slug === "string"
      ? (entry as { slug: string }).slug
      : null;
    const label = slug || `#${index}`;
    const parsed = roasterConfigSchema.safeParse(entry);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        if (issue.code === "unrecognized_keys") {
          for (const key of issue.keys) problems.push(`${label}.${key}: unknown field`);
        } else {
          const field = issue.path.join(".") || "(entry)";
          problems.push(`${label}.${field}: ${issue.message}`);
        }
      }
      return;
    }
    const tooFrequent = cadenceFloorProblems(parsed.data, floors);
    if (tooFrequent.length > 0) {
      for (const problem of tooFrequent) problems.push(`${label}.${problem}`);
      return;
    }
    const previous = seen.get(parsed.data.slug);
    if (previous !== undefined) {
      problems.push(`${label}.slug: duplicate of entry #${previous}`);
      return;
    }
    seen.set(parsed.data.slug, index);
    roasters.push(parsed.data);
  });
  if (problems.length > 0) throw new RoasterFileError(file, problems);
  return roasters;
}

/**
 * `<field>: <message>` for each cadence firing more often than its floor, unless the roaster
 * allows that on purpose (`allow_frequent_cadence: true`).
 */
export function cadenceFloorProblems(config: RoasterConfig, floors: CadenceFloors): string[] {
  if (config.allow_frequent_cadence) return [];
  const cadences = [
    { field: "full_cadence", cron: config.full_cadence, setting: "FULL_CADENCE_MIN_INTERVAL_MS", floor: floors.full_refresh },
    { field: "price_cadence", cron: config.price_cadence, setting: "PRICE_CADENCE_MIN_INTERVAL_MS", floor: floors.price_only },
  ];
  return cadences.flatMap(({ field, cron, setting, floor }) => {
    const every = shortestInterval(cron);
    if (every === null || every >= floor) return [];
    return [
      `${field}: "${cron}" fires every ${describeInterval(every)}, more often than ${setting} allows (${describeInterval(floor)}); ` +
        "set allow_frequent_cadence: true on this roaster to run it that often on purpose",
    ];
  });
}
