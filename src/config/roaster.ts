import { CONFIGURED_PLATFORMS } from "../core/platform.ts";
import { CronExpressionParser } from "cron-parser";
import { LRUCache } from "lru-cache";
import { z } from "zod";
import { CONTROLS } from "../core/control-characters.ts";

// A roaster's configuration: the scraping fields of the users' `roasters` table, plus
// `currency` (a column this project adds). snake_case as in the table, so a YAML file,
// `roasters list --json` and the database speak the same names.

export const DEFAULT_FULL_CADENCE = "0 3 1 * *";
export const DEFAULT_PRICE_CADENCE = "0 4 * * 0";
/** Requests in flight to one roaster's site, unless its row says otherwise. */
export const DEFAULT_CONCURRENCY = 3;
/** A price move of at least this many percent raises an alert, unless the row says otherwise. */
export const DEFAULT_ALERT_PCT = 10;

// Every job reads its roaster's cadences, and parsing one costs ~0.4 ms (cron-parser builds
// dates in time zones); a fleet shares a handful of expressions, each judged once.
const judged = new LRUCache<string, { problem: string | null }>({ max: 1000 });

/** Why a cron expression is unusable, or null when it is a valid 5-field UTC expression. */
export function cronProblem(expression: string): string | null {
  let verdict = judged.get(expression);
  if (!verdict) {
    verdict = { problem: parsedCronProblem(expression) };
    judged.set(expression, verdict);
  }
  return verdict.problem;
}

function parsedCronProblem(expression: string): string | null {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) return `must have 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`;
  try {
    CronExpressionParser.parse(expression, { tz: "UTC", strict: false });
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

const cron = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .superRefine((value, ctx) => {
      const problem = cronProblem(value);
      if (problem) ctx.addIssue({ code: "custom", message: `invalid cron expression "${value}": ${problem}` });
    });

// The value is never repeated in a message: a website given with credentials holds a password.
const httpUrl = z
  .string()
  .trim()
  .superRefine((v, ctx) => {
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      ctx.addIssue({ code: "custom", message: "must be an http(s) URL" });
      return;
    }
    if ((u.protocol !== "http:" && u.protocol !== "https:") || u.hostname.length === 0) {
      ctx.addIssue({ code: "custom", message: "must be an http(s) URL" });
    } else if (u.username || u.password || /^[a-z]+:\/\/[^/?#]*@/i.test(v)) {
      ctx.addIssue({ code: "custom", message: "must not contain credentials (user:password@): stores are read as a visitor would" });
    } else if (CONTROLS.test(v)) {
      ctx.addIssue({ code: "custom", message: "must not contain control characters" });
    }
  })
  .transform((v) => v.replace(/\/+$/, ""));

const text = (max: number) =>
  z.string().trim().min(1, "is required").max(max).refine((v) => !CONTROLS.test(v), "must not contain control characters");

export const roasterConfigSchema = z
  .object({
    slug: z
      .string()
      .trim()
      .min(1, "is required")
      .max(100)
      .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "must be lowercase letters, digits and single hyphens"),
    name: text(200),
    website: httpUrl,
    /** `custom`: no platform API; read from product pages' schema.org data (or Firecrawl, when allowed). */
    platform: z.enum(CONFIGURED_PLATFORMS).optional(),
    currency: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{3}$/, "must be a 3-letter ISO 4217 code")
      .optional(),
    is_active: z.boolean().default(true),
    full_cadence: cron(DEFAULT_FULL_CADENCE),
    price_cadence: cron(DEFAULT_PRICE_CADENCE),
    /** On purpose: cadences may fire more often than FULL/PRICE_CADENCE_MIN_INTERVAL_MS. */
    allow_frequent_cadence: z.boolean().default(false),
    default_concurrency: z.number().int("must be a whole number").min(1).max(20).default(DEFAULT_CONCURRENCY),
    use_firecrawl_fallback: z.boolean().default(false),
    firecrawl_budget_limit: z.number().min(0).optional(),
    use_llm: z.boolean().default(false),
    alert_price_delta_pct: z.number().min(0).max(1000).default(DEFAULT_ALERT_PCT),
    last_etag: z.string().optional(),
    last_modified: z.coerce.date().optional(),
  })
  .strict();

export type RoasterConfigInput = z.input<typeof roasterConfigSchema>;
export type RoasterConfig = z.output<typeof roasterConfigSchema>;

/** A roaster as stored: its config plus identity and robots bookkeeping. */
export interface Roaster extends RoasterConfig {
  id: string;
  /** How its products are read (coffee_scraper.roaster_options); null/absent until known. */
  read_via?: "api" | "jsonld" | "firecrawl" | null;
  source_id: string | null;
  robots_allow: boolean | null;
  robots_checked_at: Date | null;
}
