import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, statSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDeps } from "../../../src/app/runtime.ts";
import type { Deps } from "../../../src/app/deps.ts";
import { upsertRoaster } from "../../../src/db/roasters.ts";
import { pruneArtifacts } from "../../../src/pipeline/artifacts/retention.ts";
import { s3ArtifactStore } from "../../../src/pipeline/artifacts/s3-store.ts";
import { artifactKey, type ArtifactStore } from "../../../src/pipeline/artifacts/store.ts";
import { replayRun } from "../../../src/pipeline/replay.ts";
import type { RunStats } from "../../../src/pipeline/run-stats.ts";
import { scrapeOnce } from "../../../src/worker/scrape-once.ts";
import { useTestDatabase } from "../../helpers/database.ts";
import { captureLogger } from "../../helpers/logs.ts";
import { startS3Server, type S3Server } from "../../helpers/s3-server.ts";
import { testSettings } from "../../helpers/settings.ts";
import { startStoreServer, type StoreServer } from "../../helpers/store-server.ts";

// The S3 artifact store against a real S3 API (s3rver on 127.0.0.1), checked through an
// independent S3 client as well as through the store itself.

let s3: S3Server;
let raw: S3Client;
beforeAll(async () => {
  s3 = await startS3Server();
  raw = new S3Client({
    endpoint: s3.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
}, 30_000);
afterAll(async () => {
  raw?.destroy();
  await s3?.close();
});

const sha = (body: Buffer) => createHash("sha256").update(body).digest("hex");
const ageObject = (objectKey: string, hoursAgo: number) => {
  const t = new Date(Date.now() - hoursAgo * 3600_000);
  utimesSync(s3.objectFile(objectKey), t, t);
};
const bodyOf = async (key: string) =>
  Buffer.from(
    await (
      await raw.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }))
    ).Body!.transformToByteArray(),
  );
const listAll = async (store: ArtifactStore) => {
  const out: { key: string; modifiedAt: Date }[] = [];
  for await (const item of store.list()) out.push(item);
  return out;
};

describe("S3 artifact store", () => {
  const store = (prefix?: string, listPageSize?: number) =>
    s3ArtifactStore({
      bucket: s3.bucket,
      endpoint: s3.endpoint,
      region: "us-east-1",
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      forcePathStyle: true,
      prefix,
      listPageSize,
    });

  it("stores a body gzip-compressed under <prefix>/<aa>/<sha256>.gz and reads it back", async () => {
    const artifacts = store("/unit/put/");
    const body = Buffer.from(`{"products":[{"id":1,"title":"Attikan Estate"}]} ${Math.random()}`);
    const stored = await artifacts.put(body);
    expect(stored).toMatchObject({ key: artifactKey(sha(body)), sha256: sha(body), written: true });
    const objectKey = `unit/put/${stored.key}`;
    const head = await raw.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: objectKey }));
    expect(head.ContentType).toBe("application/gzip");
    expect(head.ContentLength).toBe(stored.storedBytes);
    expect(gunzipSync(await bodyOf(objectKey))).toEqual(body);
    expect(await artifacts.get(stored.key)).toEqual(body);
  });

  it("does not upload a body stored recently; renews an older one's age (so prune leaves it alone)", async () => {
    const artifacts = store("unit/dedupe");
    const body = Buffer.from(`same page ${Math.random()}`);
    const first = await artifacts.put(body);
    const objectKey = `unit/dedupe/${first.key}`;
    ageObject(objectKey, 0.1);
    const before = statSync(s3.objectFile(objectKey)).mtimeMs;
    expect(await artifacts.put(body)).toEqual({ ...first, written: false });
    // A second PUT would have rewritten the object (and its modification time).
    expect(statSync(s3.objectFile(objectKey)).mtimeMs).toBe(before);

    ageObject(objectKey, 5);
    const renewed = await artifacts.put(body);
    expect(renewed.key).toBe(first.key);
    // Copied onto itself, or written again where the service's copy does not renew
    // LastModified (s3rver's does not): young again, the same bytes.
    const head = await raw.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: objectKey }));
    expect(Date.now() - head.LastModified!.getTime()).toBeLessThan(60_000);
    expect(gunzipSync(await bodyOf(objectKey))).toEqual(body);
  });

  it("lists every artifact across ListObjectsV2 pages, and nothing else in the bucket", async () => {
    const artifacts = store("unit/list", 2);
    const keys = [];
    for (let i = 0; i < 5; i++)
      keys.push((await artifacts.put(Buffer.from(`page ${i} ${Math.random()}`))).key);
    // Not ours: outside the prefix, or under it but not an artifact key.
    await raw.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: "unit/list/notes.txt", Body: Buffer.from("x") }),
    );
    await raw.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: "unit/listing/00/other.gz", Body: Buffer.from("x") }),
    );
    await raw.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: `elsewhere/${keys[0]}`, Body: Buffer.from("x") }),
    );
    const listed = await listAll(artifacts);
    expect(listed.map((l) => l.key).sort()).toEqual([...keys].sort());
    for (const { modifiedAt } of listed)
      expect(Math.abs(modifiedAt.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it("deletes an artifact (and deleting it again is no error)", async () => {
    const artifacts = store("unit/delete");
    const { key } = await artifacts.put(Buffer.from(`gone soon ${Math.random()}`));
    await artifacts.delete(key);
    await expect(
      raw.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: `unit/delete/${key}` })),
    ).rejects.toThrow();
    await expect(artifacts.get(key)).rejects.toThrow(/GET s3:\/\/artifacts\/unit\/delete\/.*NoSuchKey/);
    await artifacts.delete(key);
    expect(await listAll(artifacts)).toEqual([]);
  });

  it("refuses keys that are not artifact keys", async () => {
    const artifacts = store("unit/keys");
    await expect(artifacts.get("../secrets.txt")).rejects.toThrow(/not an artifact key/);
    await expect(artifacts.delete("notes.txt")).rejects.toThrow(/not an artifact key/);
  });

  it("says which object failed when the bucket does not exist", async () => {
    const missing = s3ArtifactStore({
      bucket: "no-such-bucket",
      endpoint: s3.endpoint,
      region: "us-east-1",
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      forcePathStyle: true,
    });
    await expect(listAll(missing)).rejects.toThrow(/LIST s3:\/\/no-such-bucket\/.*NoSuchBucket/);
  });
});

describe("a pipeline run with ARTIFACTS_S3_BUCKET set", () => {
  const database = useTestDatabase("pglite");
  let shop: StoreServer;
  let deps: Deps;
  let dataDir: string;
  beforeAll(async () => {
    shop = await startStoreServer({ platform: "shopify" });
    dataDir = mkdtempSync(path.join(tmpdir(), "cs-s3pipe-"));
    const settings = testSettings({
      HTTP_DELAY_MS: 0,
      HTTP_JITTER_MS: 0,
      HTTP_RETRIES: 0,
      DATA_DIR: dataDir,
      ARTIFACTS_S3_BUCKET: s3.bucket,
      ARTIFACTS_S3_ENDPOINT: s3.endpoint,
      ARTIFACTS_S3_ACCESS_KEY_ID: s3.accessKeyId,
      ARTIFACTS_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      ARTIFACTS_S3_PREFIX: "pipeline",
      ARTIFACTS_S3_FORCE_PATH_STYLE: "true",
    });
    deps = createDeps(settings, database().db, captureLogger().log);
    await database().db.transaction((tx) =>
      upsertRoaster(tx, {
        slug: "s3-roaster",
        name: "S3 Roaster",
        website: shop.url,
        platform: "shopify",
        is_active: true,
        full_cadence: "0 3 1 * *",
        price_cadence: "0 4 * * 0",
        default_concurrency: 3,
        use_firecrawl_fallback: false,
        use_llm: false,
        alert_price_delta_pct: 10,
      }),
    );
  });
  afterAll(async () => {
    await deps?.http.close();
    await shop?.close();
  });

  let runId: string;
  let keys: string[];

  it("stores the run's raw pages in the bucket, not in DATA_DIR", async () => {
    const summary = await scrapeOnce({ deps, roaster: "s3-roaster", type: "full_refresh" });
    expect(summary.status).toBe("ok");
    runId = summary.runId;
    expect((summary.stats as unknown as RunStats).artifacts).toBeGreaterThan(0);
    keys = (
      await database().db.query<{ key: string }>(
        "SELECT DISTINCT saved_html_path AS key FROM scrape_artifacts WHERE run_id = $1 AND saved_html_path IS NOT NULL",
        [runId],
      )
    ).map((r) => r.key);
    expect(keys.length).toBeGreaterThan(0);
    const listed = await raw.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: "pipeline/" }));
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual(keys.map((k) => `pipeline/${k}`).sort());
    for (const key of keys) {
      const body = gunzipSync(await bodyOf(`pipeline/${key}`));
      expect(artifactKey(sha(body))).toBe(key);
    }
    expect(existsSync(path.join(dataDir, "artifacts"))).toBe(false);
  });

  it("replays the run from the bucket without the network", async () => {
    const requests = shop.requests.length;
    const replay = await replayRun(runId, deps);
    expect(replay.status).toBe("ok");
    expect(replay.runId).not.toBe(runId);
    expect((replay.stats as unknown as RunStats).coffees_upserted).toBeGreaterThan(0);
    expect(shop.requests.length).toBe(requests);

    // The bodies come from the bucket: pointed at a prefix holding none, there is nothing to
    // replay, said before any run is recorded.
    const elsewhere = s3ArtifactStore({
      bucket: s3.bucket,
      endpoint: s3.endpoint,
      region: "us-east-1",
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      forcePathStyle: true,
      prefix: "empty",
    });
    await expect(replayRun(runId, { ...deps, artifacts: elsewhere })).rejects.toThrow(/is no longer in the artifact store/);
  });

  it("prunes through pruneArtifacts: old unreferenced bodies go; referenced and young ones stay", async () => {
    const { db } = database();
    const orphanOld = await deps.artifacts.put(Buffer.from(`orphan old ${Math.random()}`));
    const orphanYoung = await deps.artifacts.put(Buffer.from(`orphan young ${Math.random()}`));
    for (const key of [...keys, orphanOld.key]) ageObject(`pipeline/${key}`, 2);

    const kept = await pruneArtifacts(db, deps.artifacts, 36_500);
    expect(kept).toEqual({ rowsDeleted: 0, filesDeleted: 1 });
    const after = (await listAll(deps.artifacts)).map((l) => l.key).sort();
    expect(after).toEqual([...keys, orphanYoung.key].sort());

    // Records older than 0 days all go, and with them every aged body; the young orphan stays.
    const all = await pruneArtifacts(db, deps.artifacts, 0);
    expect(all.rowsDeleted).toBeGreaterThan(0);
    expect(all.filesDeleted).toBe(keys.length);
    expect((await listAll(deps.artifacts)).map((l) => l.key)).toEqual([orphanYoung.key]);
  });
});
