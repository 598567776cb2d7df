import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { directoryArtifactStore } from "../../../src/pipeline/artifacts/directory-store.ts";
import { pruneArtifacts } from "../../../src/pipeline/artifacts/retention.ts";
import { s3ArtifactStore } from "../../../src/pipeline/artifacts/s3-store.ts";
import type { ArtifactStore } from "../../../src/pipeline/artifacts/store.ts";
import { useTestDatabase } from "../../helpers/database.ts";
import { startS3Server, type S3Server } from "../../helpers/s3-server.ts";
import { sleep } from "../../helpers/until.ts";

// `artifacts prune` racing a run that deduplicates onto a body prune is about to delete: an
// old body no record refers to any more, stored again by a new run at the very moment prune
// sweeps. Round after round, with the two started a random few milliseconds apart, the body
// the run was told is stored must be there afterwards (the run records it right after).

const ROUNDS = 150;
const database = useTestDatabase("pglite");

async function race(store: ArtifactStore, age: (key: string) => void, rounds: number): Promise<string[]> {
  const lost: string[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const body = randomBytes(2048);
    const { key } = await store.put(body);
    age(key); // two hours old: past prune's grace, and no record points at it
    const [stored] = await Promise.all([
      sleep(Math.random() * 4).then(() => store.put(body)),
      sleep(Math.random() * 4).then(() => pruneArtifacts(database().db, store, 90)),
    ]);
    expect(stored.key).toBe(key);
    const there = await store.get(key).then(
      (b) => b.equals(body),
      () => false,
    );
    if (!there) lost.push(`round ${round}: ${stored.written ? "written" : "deduplicated"} body ${key} is gone`);
  }
  return lost;
}

const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000);

describe("prune racing a deduplicating run", () => {
  it("directory store: never deletes a body a run has just deduplicated onto", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "cs-prune-race-"));
    try {
      const store = directoryArtifactStore(root);
      const lost = await race(store, (key) => utimesSync(path.join(root, key), hoursAgo(2), hoursAgo(2)), ROUNDS);
      expect(lost).toEqual([]);
      // And prune still prunes: an old body nobody stores again goes.
      const { key } = await store.put(randomBytes(100));
      utimesSync(path.join(root, key), hoursAgo(2), hoursAgo(2));
      await pruneArtifacts(database().db, store, 90);
      expect(await store.exists(key)).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);

  describe("S3 store (s3rver)", () => {
    let s3: S3Server;
    beforeAll(async () => {
      s3 = await startS3Server();
    }, 30_000);
    afterAll(() => s3?.close());

    it("never deletes a body a run has just deduplicated onto", async () => {
      const store = s3ArtifactStore({
        bucket: s3.bucket,
        endpoint: s3.endpoint,
        region: "us-east-1",
        accessKeyId: s3.accessKeyId,
        secretAccessKey: s3.secretAccessKey,
        prefix: "race",
        forcePathStyle: true,
      });
      const lost = await race(store, (key) => utimesSync(s3.objectFile(`race/${key}`), hoursAgo(2), hoursAgo(2)), 60);
      expect(lost).toEqual([]);
    }, 120_000);
  });
});
