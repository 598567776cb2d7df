// Raw bodies are kept content-addressed (sha256 of the body) and gzip-compressed, so a
// page that did not change between runs is stored once however often it is fetched.

/**
 * zlib's fastest level: on store JSON it costs under half of the default level's CPU for
 * about a fifth more bytes, and a new page is compressed on every run that finds it changed.
 */
export const ARTIFACT_GZIP_LEVEL = 1;

export interface StoredArtifact {
  /** Where the body lives, relative to the store (recorded as scrape_artifacts.saved_html_path). */
  key: string;
  sha256: string;
  /** False when an identical body was already stored (its age is refreshed then, see retention.ts). */
  written: boolean;
  storedBytes: number;
}

export interface ArtifactStore {
  put(body: Buffer): Promise<StoredArtifact>;
  get(key: string): Promise<Buffer>;
  exists(key: string): Promise<boolean>;
  /** Every stored body with when it was written (for retention). */
  list(): AsyncIterable<{ key: string; modifiedAt: Date }>;
  delete(key: string): Promise<void>;
  /**
   * Deletes the body unless it was written or refreshed (by a `put` of the same body) at or
   * after `cutoff`; true when it was deleted. Prune's way: safe against a concurrent `put`.
   */
  deleteIfOlder(key: string, cutoff: Date): Promise<boolean>;
  /**
   * Stores whose deletes cannot be conditional set bodies aside first (S3): this drops those
   * set aside before `cutoff` that no record wants (`referenced` says which do: put back).
   * Returns how many were dropped.
   */
  sweepAside?(referenced: (keys: string[]) => Promise<Set<string>>, cutoff: Date): Promise<number>;
}

/**
 * Prune leaves alone every body stored or refreshed (a `put` of the same body) this recently:
 * a run records what it stored right after storing it.
 */
export const ARTIFACT_GRACE_MS = 60 * 60 * 1000;

export function artifactKey(sha256: string): string {
  return `${sha256.slice(0, 2)}/${sha256}.gz`;
}
