import type { Roaster } from "../config/roaster.ts";
import type { FirecrawlFallbackSettings } from "../config/setting-sections.ts";
import type { Queryable } from "../db/database.ts";
import { monthOf, releaseCredits, reserveCredits } from "../db/firecrawl-credits.ts";
import { lastFullSweep, loadLastmods } from "../db/page-lastmods.ts";
import { FirecrawlClient } from "../fetch/firecrawl.ts";
import type { Logger } from "../core/logger.ts";
import type { PageMemory } from "../platforms/adapter.ts";
import type { StorePlatform } from "../core/platform.ts";

// What a run needs beyond the polite client to read a store that has no platform API: which
// adapter reads it, the lastmod memory of a sitemap store, and the budgeted Firecrawl client.

/** The adapter for a roaster's configured platform; null when it has none yet (detect). */
export function configuredPlatform(roaster: Pick<Roaster, "platform" | "read_via">): StorePlatform | null {
  switch (roaster.platform) {
    case "shopify":
    case "woocommerce":
      return roaster.platform;
    case "custom":
      return roaster.read_via === "firecrawl" ? "firecrawl" : "jsonld";
    case undefined:
      return null;
  }
}

const DAY_MS = 86_400_000;

/**
 * For a full run of a JSON-LD store: the lastmod memory when this run may skip unchanged pages,
 * or null when a full sweep is due (never swept, or SITEMAP_FULL_SWEEP_DAYS since the last).
 */
export async function incrementalMemory(
  db: Queryable,
  roasterId: string,
  now: Date,
  sweepDays: number,
): Promise<PageMemory | null> {
  const last = await lastFullSweep(db, roasterId);
  if (last === null || sweepDays === 0 || now.getTime() - last.getTime() >= sweepDays * DAY_MS) return null;
  return { lastmods: (urls) => loadLastmods(db, roasterId, urls) };
}

/**
 * A Firecrawl client whose every call is paid for first from the roaster's budget for the
 * current calendar month (UTC). No key: null (the adapter says so). A budget of NULL counts
 * as 0: spending needs an explicit budget.
 */
export function budgetedFirecrawl(input: {
  db: Queryable;
  settings: FirecrawlFallbackSettings;
  roaster: Pick<Roaster, "id" | "firecrawl_budget_limit">;
  now: () => Date;
  signal?: AbortSignal;
  log?: Logger;
}): FirecrawlClient | null {
  const { db, settings, roaster } = input;
  if (!settings.FIRECRAWL_API_KEY) return null;
  const budget = Math.max(0, Math.floor(roaster.firecrawl_budget_limit ?? 0));
  return new FirecrawlClient(
    {
      apiKey: settings.FIRECRAWL_API_KEY,
      baseUrl: settings.FIRECRAWL_BASE_URL,
      maxBytes: settings.HTTP_MAX_BYTES,
      retryAfterCapMs: settings.HTTP_RETRY_AFTER_CAP_MS,
      retryBaseMs: settings.HTTP_RETRY_BASE_MS,
    },
    {
      reserve: async (credits) => ({
        ...(await reserveCredits(db, { roasterId: roaster.id, month: monthOf(input.now()), credits, budget })),
        budget,
      }),
      release: (credits) => releaseCredits(db, { roasterId: roaster.id, month: monthOf(input.now()), credits }),
    },
    { ...(input.signal ? { signal: input.signal } : {}), ...(input.log ? { log: input.log } : {}) },
  );
}
