import { createHash, randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";
import { artifactKey, type ArtifactStore } from "./store.ts";

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Artifacts as files under `<root>/<aa>/<sha256>.gz`. */
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
      if (existing) return { key, sha256, written: false, storedBytes: existing.size };
      const compressed = await gzipAsync(body);
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
  };
}
