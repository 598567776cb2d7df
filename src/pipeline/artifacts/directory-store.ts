import { createHash, randomBytes } from "node:crypto";
import { link, mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";
import { ARTIFACT_GZIP_LEVEL, artifactKey, type ArtifactStore } from "./store.ts";

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/**
 * Artifacts as files under `<root>/<aa>/<sha256>.gz`. A body found already stored has its
 * mtime refreshed, and prune removes a file only when, once moved aside, it is still old:
 * so a run that deduplicates onto a body that prune is removing either sees it gone (and
 * writes it again) or has it put back.
 */
export function directoryArtifactStore(root: string): ArtifactStore {
  const resolve = (key: string) => {
    if (!/^[0-9a-f]{2}\/[0-9a-f]{64}\.gz$/.test(key)) throw new Error(`not an artifact key: ${key}`);
    return path.join(root, key);
  };
  return {
    async put(body) {
      const sha256 = createHash("sha256").update(body).digest("hex");
      const key = artifactKey(sha256);
      const file = resolve(key);
      const existing = await stat(file).catch(() => null);
      if (existing) {
        const now = new Date();
        const refreshed = await utimes(file, now, now).then(
          () => true,
          () => false, // pruned since the stat: written again below
        );
        if (refreshed) return { key, sha256, written: false, storedBytes: existing.size };
      }
      const compressed = await gzipAsync(body, { level: ARTIFACT_GZIP_LEVEL });
      await mkdir(path.dirname(file), { recursive: true });
      // Write then rename: a crash never leaves a truncated artifact under its final name.
      // A name of its own: two jobs storing the same body in the same millisecond (the empty
      // last page every Shopify store serves) must not rename each other's temp file away.
      const temp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
      await writeFile(temp, compressed);
      await rename(temp, file);
      return { key, sha256, written: true, storedBytes: compressed.length };
    },
    async get(key) {
      return gunzipAsync(await readFile(resolve(key)));
    },
    async exists(key) {
      return (await stat(resolve(key)).catch(() => null)) !== null;
    },
    async *list() {
      const dirs = await readdir(root).catch(() => [] as string[]);
      for (const dir of dirs) {
        if (!/^[0-9a-f]{2}$/.test(dir)) continue;
        for (const file of await readdir(path.join(root, dir))) {
          if (!file.endsWith(".gz")) continue;
          const info = await stat(path.join(root, dir, file)).catch(() => null);
          if (info) yield { key: `${dir}/${file}`, modifiedAt: info.mtime };
        }
      }
    },
    async delete(key) {
      await rm(resolve(key), { force: true });
    },
    async deleteIfOlder(key, cutoff) {
      const file = resolve(key);
      // Moved aside first (atomic), then judged: a writer's refresh before the move shows in
      // the mtime, one after it finds the file gone and writes it again.
      const aside = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.pruning`;
      try {
        await rename(file, aside);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
        throw err;
      }
      const { mtime } = await stat(aside);
      if (mtime.getTime() >= cutoff.getTime()) {
        // Put back; if a writer has stored it again meanwhile, its copy (the same bytes) stays.
        await link(aside, file).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== "EEXIST") throw err;
        });
        await rm(aside, { force: true });
        return false;
      }
      await rm(aside, { force: true });
      return true;
    },
  };
}
