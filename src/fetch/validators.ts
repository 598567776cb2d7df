// HTTP cache validators per roaster and full URL (page number included). The client only reads them
// (through its SiteMemory); the pipeline saves them once the page they describe has been persisted
// (db/validators.ts), so a page that failed downstream is fetched in full next time instead of
// being skipped by a 304.

export interface Validators {
  etag: string | null;
  lastModified: string | null;
}

export const NO_VALIDATORS: Validators = Object.freeze({ etag: null, lastModified: null });
