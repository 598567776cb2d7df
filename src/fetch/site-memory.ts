import type { Validators } from "./validators.ts";

// What the client remembers about a site between runs: the validators of the bodies it
// fetched, and whether robots.txt let it in. Declared here, where it is used, so the client
// knows nothing of where it is kept (the database, in db/site-memory.ts).

export interface SiteMemory {
  /**
   * The validators remembered for `url`. With `requireFull`, only those of a body a full
   * refresh applied: a price-only run writes prices and stock, not the rest.
   */
  validators(roasterId: string, url: string, options: { requireFull: boolean }): Promise<Validators>;
  /** Records what the roaster's robots.txt said, once per site client. */
  robotsResult(roasterId: string, allowed: boolean): Promise<void>;
}
