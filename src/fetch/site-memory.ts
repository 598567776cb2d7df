import type { Validators } from "./validators.ts";

// What the client remembers about a site between runs: the validators of the bodies it
// fetched, and whether robots.txt let it in. Declared here, where it is used, so the client
// knows nothing of where it is kept (the database, in db/site-memory.ts).

/** A URL's remembered validators, and whether a full refresh applied the body they describe. */
export interface RememberedValidators extends Validators {
  appliedByFull: boolean;
}

export interface SiteMemory {
  /**
   * Every URL's validators remembered for the roaster, read once per site client (one job):
   * asked one URL at a time, each page's request would wait for the database, and on an
   * embedded database that runs one statement at a time, for the previous page's whole write.
   */
  validatorsOf(roasterId: string): Promise<Map<string, RememberedValidators>>;
  /** Records what the roaster's robots.txt said, once per site client. */
  robotsResult(roasterId: string, allowed: boolean): Promise<void>;
}
