// Raw bodies are kept content-addressed (sha256 of the body) and gzip-compressed, so a
// page that did not change between runs is stored once however often it is fetched.

export interface StoredArtifact {
  /** Where the body lives, relative to the store (recorded as scrape_artifacts.saved_html_path). */
  key: string;
  sha256: string;
  /** False when an identical body was already stored. */
  written: boolean;
  storedBytes: number;
}

export interface ArtifactStore {
  put(body: Buffer): Promise<StoredArtifact>;
  get(key: string): Promise<Buffer>;
  /** Every stored body with when it was written (for retention). */
  list(): AsyncIterable<{ key: string; modifiedAt: Date }>;
  delete(key: string): Promise<void>;
}

export function artifactKey(sha256: string): string {
  return `${sha256.slice(0, 2)}/${sha256}.gz`;
}
