import robotsParserModule from "robots-parser";

interface Robot {
  isAllowed(url: string, ua?: string): boolean | undefined;
  getCrawlDelay(ua?: string): number | undefined;
}
// The package's typings declare the module loosely; at runtime the default export is the parser.
const robotsParser = robotsParserModule as unknown as (url: string, text: string) => Robot;

// robots.txt rules per origin, cached across jobs for ROBOTS_TTL_MS. One fetch per origin
// at a time: concurrent callers share the pending load.

export interface RobotsRules {
  /** Whether our user agent may fetch `url` (an absolute URL on this origin). */
  allows(url: string): boolean;
  /** Crawl-delay for our user agent in ms, or null when none is set. */
  crawlDelayMs: number | null;
  /** Where the rules came from: the robots.txt text, or "missing" (4xx: everything allowed). */
  source: "robots.txt" | "missing";
}

interface Entry {
  loadedAt: number;
  rules: Promise<RobotsRules>;
}

export class RobotsCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * The rules for `origin`, loaded with `load` when absent or older than `ttlMs`. `load`
   * returns the robots.txt text, or null when the site has none (allow all).
   */
  async get(origin: string, ttlMs: number, agentToken: string, load: () => Promise<string | null>): Promise<RobotsRules> {
    const cached = this.entries.get(origin);
    if (cached && this.now() - cached.loadedAt < ttlMs) return cached.rules;
    const entry: Entry = {
      loadedAt: this.now(),
      rules: load().then((text) => parseRobots(origin, text, agentToken)),
    };
    this.entries.set(origin, entry);
    // A failed load is not cached: the next request (or job) tries again.
    entry.rules.catch(() => {
      if (this.entries.get(origin) === entry) this.entries.delete(origin);
    });
    return entry.rules;
  }

  clear(): void {
    this.entries.clear();
  }
}

/** The process-wide cache used when the caller does not hand one in. */
export const sharedRobotsCache = new RobotsCache();

/** "coffee-scraper/0.1 (+https://…)" → "coffee-scraper": the token robots.txt groups name. */
export function robotsAgentToken(userAgent: string): string {
  return userAgent.trim().split(/[/\s]/)[0] || userAgent;
}

export function parseRobots(origin: string, text: string | null, agentToken: string): RobotsRules {
  if (text === null) return { allows: () => true, crawlDelayMs: null, source: "missing" };
  const robots = robotsParser(`${origin}/robots.txt`, text);
  const delay = robots.getCrawlDelay(agentToken);
  return {
    // undefined means "not this origin's file", which the caller never asks.
    allows: (url) => robots.isAllowed(url, agentToken) !== false,
    crawlDelayMs: typeof delay === "number" && Number.isFinite(delay) && delay > 0 ? Math.round(delay * 1000) : null,
    source: "robots.txt",
  };
}
