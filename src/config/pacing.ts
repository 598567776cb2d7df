import type { Roaster } from "./roaster.ts";
import type { HttpSettings } from "./setting-sections.ts";

/** How requests to one roaster's site are paced (robots.txt Crawl-delay may still raise the gap). */
export interface Pacing {
  /** Requests in flight at once. */
  concurrency: number;
  /** Least spacing of request starts, before jitter. */
  delayMs: number;
  /** ± uniform random added to each gap. */
  jitterMs: number;
}

/**
 * A roaster's pacing, joined in this one place: how many requests at once is the roaster's own
 * (its row); how far apart they start is the same for every site (settings), as no roaster
 * overrides it.
 */
export function pacingFor(
  roaster: Pick<Roaster, "default_concurrency">,
  settings: Pick<HttpSettings, "HTTP_DELAY_MS" | "HTTP_JITTER_MS">,
): Pacing {
  return { concurrency: roaster.default_concurrency, delayMs: settings.HTTP_DELAY_MS, jitterMs: settings.HTTP_JITTER_MS };
}
