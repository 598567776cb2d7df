// How each roaster's products are read (coffee_scraper.roaster_options.read_via) and what
// Firecrawl cost it this calendar month (coffee_scraper.firecrawl_credits), for `status` and
// the dashboard. Columns and joins over ROASTER_FROM's aliases (r = roasters, o = roaster_options).

/** `read_via`, Firecrawl's switch and budget, and the credits counted this month (UTC). */
export const READING_COLUMNS = `o.read_via, COALESCE(r.use_firecrawl_fallback, false) AS use_firecrawl_fallback,
  r.firecrawl_budget_limit, COALESCE(fc.used, 0)::int AS firecrawl_used`;

export const FIRECRAWL_THIS_MONTH = `LEFT JOIN coffee_scraper.firecrawl_credits fc
  ON fc.roaster_id = r.id AND fc.month = date_trunc('month', now() AT TIME ZONE 'UTC')::date`;

export interface Reading {
  platform: string | null;
  read_via: "api" | "jsonld" | "firecrawl" | null;
  use_firecrawl_fallback: boolean;
  firecrawl_budget_limit: number | null;
  firecrawl_used: number;
}

export const READ_VIA_LABEL: Record<NonNullable<Reading["read_via"]>, string> = {
  api: "API",
  jsonld: "JSON-LD",
  firecrawl: "Firecrawl",
};

/** "custom, read via JSON-LD" — or null when nothing is known yet. */
export function readingText(r: Pick<Reading, "platform" | "read_via">): string | null {
  if (!r.platform && !r.read_via) return null;
  const via = r.read_via ? READ_VIA_LABEL[r.read_via] : r.platform === "shopify" || r.platform === "woocommerce" ? "API" : null;
  return `${r.platform ?? "not detected"}${via ? `, read via ${via}` : ""}`;
}

/** "Firecrawl 16 of 100 credits this month", or null for a roaster that never uses it. */
export function firecrawlText(r: Pick<Reading, "use_firecrawl_fallback" | "firecrawl_budget_limit" | "firecrawl_used">): string | null {
  if (!r.use_firecrawl_fallback && r.firecrawl_used === 0) return null;
  return `Firecrawl ${r.firecrawl_used} of ${r.firecrawl_budget_limit ?? 0} credits this month${r.use_firecrawl_fallback ? "" : " (fallback now off)"}`;
}
