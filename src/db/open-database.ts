import type { Database, DatabaseTarget } from "./database.ts";

// Picks the engine for a target: PostgreSQL when a URL is given, else the embedded database.
// Apart from the interfaces (database.ts) because the engines implement those.

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.databaseUrl) {
    const { openPostgres } = await import("./postgres.ts");
    return openPostgres(target.databaseUrl);
  }
  // Exactly one process may open a PGlite directory; others reach it through that owner.
  // PGlite itself (a ~200 MB WASM heap) is loaded only by the owner.
  const { openEmbedded } = await import("./embedded/open-embedded.ts");
  return openEmbedded(target.dataDir, {
    command: target.command ?? "library",
    ...(target.requireOwnership ? { requireOwnership: true } : {}),
    ...(target.onStaleLock ? { onStaleLock: target.onStaleLock } : {}),
  });
}
