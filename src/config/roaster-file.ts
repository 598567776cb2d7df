import { readConfigText } from "./config-text.ts";
import { roasterConfigSchema, type RoasterConfig } from "./roaster.ts";

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
export function readRoasterFile(file: string): RoasterConfig[] {
  // Size-bounded; a syntax error names its position, never the lines around it.
  const read = readConfigText(file);
  if (!read.ok) throw new RoasterFileError(file, [read.problem]);
  return validateRoasterList(file, read.data);
}

export function validateRoasterList(file: string, data: unknown): RoasterConfig[] {
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
