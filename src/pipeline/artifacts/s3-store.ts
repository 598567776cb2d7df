import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";
import type { S3Client } from "@aws-sdk/client-s3";
import { ARTIFACT_GRACE_MS, ARTIFACT_GZIP_LEVEL, artifactKey, type ArtifactStore } from "./store.ts";

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

const KEY = /^[0-9a-f]{2}\/[0-9a-f]{64}\.gz$/;
/** Where prune sets bodies aside before deleting them (see deleteIfOlder). */
const ASIDE = "pruned/";
const SET_ASIDE_AT = "set-aside-at";

export interface S3ArtifactStoreOptions {
  bucket: string;
  /** For R2, Supabase Storage, MinIO…; unset → AWS S3. */
  endpoint?: string | undefined;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Object keys are `<prefix>/<aa>/<sha256>.gz`. */
  prefix?: string | undefined;
  /** `<endpoint>/<bucket>/<key>` instead of `<bucket>.<endpoint>/<key>` (Supabase Storage, MinIO). */
  forcePathStyle?: boolean | undefined;
  /** Keys per ListObjectsV2 page (the server's default, 1000 on S3, when unset). */
  listPageSize?: number | undefined;
}

type Sdk = typeof import("@aws-sdk/client-s3");

/**
 * Artifacts as objects `<prefix>/<aa>/<sha256>.gz` (application/gzip) in an S3-compatible
 * bucket. The keys handed out (and recorded as saved_html_path) are the same as the
 * directory store's, without the prefix, so moving between the two is copying files.
 * The AWS SDK is loaded on first use only: deployments without a bucket never load it.
 */
export function s3ArtifactStore(options: S3ArtifactStoreOptions): ArtifactStore {
  const prefix = options.prefix ? `${options.prefix.replace(/^\/+|\/+$/g, "")}/` : "";
  const bucket = options.bucket;
  let connected: Promise<{ sdk: Sdk; client: S3Client }> | undefined;
  const connect = () =>
    (connected ??= import("@aws-sdk/client-s3").then((sdk) => ({
      sdk,
      client: new sdk.S3Client({
        region: options.region,
        endpoint: options.endpoint,
        forcePathStyle: options.forcePathStyle ?? false,
        credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
        // AWS buckets outside `region` still work (the SDK follows the redirect).
        followRegionRedirects: true,
        // Newer SDKs add CRC checksums (and chunked trailers) to every upload by default,
        // which several S3-compatible services reject; only send them where S3 requires it.
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
      }),
    })));
  const objectKey = (key: string) => {
    if (!KEY.test(key)) throw new Error(`not an artifact key: ${key}`);
    return prefix + key;
  };
  const asideKey = (key: string) => `${prefix}${ASIDE}${objectKey(key).slice(prefix.length)}`;
  const copy = (client: S3Client, sdk: Sdk, from: string, to: string, metadata?: Record<string, string>) =>
    client.send(
      new sdk.CopyObjectCommand({
        Bucket: bucket,
        Key: to,
        CopySource: `${bucket}/${from.split("/").map(encodeURIComponent).join("/")}`,
        MetadataDirective: "REPLACE",
        ContentType: "application/gzip",
        ...(metadata ? { Metadata: metadata } : {}),
      }),
    );
  // When a body was set aside, carried in its own metadata: not every S3-compatible service
  // renews LastModified on a copy, and an aside copy that looked old would be swept at once.
  const setAsideAt = async (client: S3Client, sdk: Sdk, Key: string, fallback: Date): Promise<number> => {
    const head = await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key })).catch(() => null);
    const stamped = Number(head?.Metadata?.[SET_ASIDE_AT]);
    return Number.isFinite(stamped) && stamped > 0 ? stamped : fallback.getTime();
  };

  return {
    async put(body) {
      const { sdk, client } = await connect();
      const sha256 = createHash("sha256").update(body).digest("hex");
      const key = artifactKey(sha256);
      const Key = objectKey(key);
      let stored: { bytes: number; modified: Date | undefined } | null = null;
      try {
        const head = await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key }));
        stored = { bytes: head.ContentLength ?? 0, modified: head.LastModified };
      } catch (err) {
        if (!isNotFound(err)) throw describe(err, `HEAD s3://${bucket}/${Key}`);
      }
      // Stored already. Prune (retention.ts) leaves alone what was stored or refreshed within
      // its grace period: a young object needs nothing; an older one is renewed, by a copy onto
      // itself where the service renews LastModified that way, else by writing it again.
      if (stored && stored.modified && Date.now() - stored.modified.getTime() < ARTIFACT_GRACE_MS / 2) {
        return { key, sha256, written: false, storedBytes: stored.bytes };
      }
      if (stored) {
        const copied = await copy(client, sdk, Key, Key).then(
            (result) => result.CopyObjectResult?.LastModified,
            () => undefined, // gone since the HEAD, or no copy in place: written again below
          );
        if (copied && Date.now() - copied.getTime() < 60_000) return { key, sha256, written: false, storedBytes: stored.bytes };
      }
      const compressed = await gzipAsync(body, { level: ARTIFACT_GZIP_LEVEL });
      // A PUT is atomic: readers see the whole object or none. Two jobs storing the same body
      // at once write identical bytes.
      await client
        .send(
          new sdk.PutObjectCommand({
            Bucket: bucket,
            Key,
            Body: compressed,
            ContentType: "application/gzip",
            ContentLength: compressed.length,
          }),
        )
        .catch((err: unknown) => {
          throw describe(err, `PUT s3://${bucket}/${Key}`);
        });
      return { key, sha256, written: true, storedBytes: compressed.length };
    },

    async get(key) {
      const { sdk, client } = await connect();
      const Key = objectKey(key);
      const read = async (from: string) => {
        const object = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: from })).catch((err: unknown) => {
          throw describe(err, `GET s3://${bucket}/${from}`);
        });
        if (!object.Body) throw new Error(`GET s3://${bucket}/${from}: empty response`);
        return Buffer.from(await object.Body.transformToByteArray());
      };
      let compressed: Buffer;
      try {
        compressed = await read(Key);
      } catch (err) {
        if ((err as { code?: string }).code !== "ENOENT") throw err;
        // Pruned while a run deduplicated onto it (see deleteIfOlder): still set aside; put back.
        compressed = await read(asideKey(key)).catch(() => {
          throw err;
        });
        await copy(client, sdk, asideKey(key), Key).catch(() => {});
      }
      return gunzipAsync(compressed);
    },

    async exists(key) {
      const { sdk, client } = await connect();
      for (const Key of [objectKey(key), asideKey(key)]) {
        try {
          await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key }));
          return true;
        } catch (err) {
          if (!isNotFound(err)) throw describe(err, `HEAD s3://${bucket}/${Key}`);
        }
      }
      return false;
    },

    async *list() {
      const { sdk, client } = await connect();
      let token: string | undefined;
      do {
        const page = await client
          .send(
            new sdk.ListObjectsV2Command({
              Bucket: bucket,
              Prefix: prefix || undefined,
              ContinuationToken: token,
              MaxKeys: options.listPageSize,
            }),
          )
          .catch((err: unknown) => {
            throw describe(err, `LIST s3://${bucket}/${prefix}`);
          });
        for (const object of page.Contents ?? []) {
          const key = object.Key?.slice(prefix.length);
          // Anything else sharing the bucket or prefix is not ours, and never yielded (so never pruned).
          if (!key || !KEY.test(key) || !object.LastModified) continue;
          yield { key, modifiedAt: object.LastModified };
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },

    async delete(key) {
      const { sdk, client } = await connect();
      const Key = objectKey(key);
      // Deleting a missing object succeeds in S3, as `rm --force` does for the directory store.
      await client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key })).catch((err: unknown) => {
        throw describe(err, `DELETE s3://${bucket}/${Key}`);
      });
    },

    async deleteIfOlder(key, cutoff) {
      const { sdk, client } = await connect();
      const Key = objectKey(key);
      // S3 has no delete-if-unmodified: a run may renew the object between the HEAD and the
      // DELETE. So it is first copied aside (`<prefix>/pruned/…`), where get() still finds it
      // (and puts it back); sweepAside() drops it for good once no record wants it.
      let modified: Date | undefined;
      try {
        modified = (await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key }))).LastModified;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw describe(err, `HEAD s3://${bucket}/${Key}`);
      }
      if (!modified || modified.getTime() >= cutoff.getTime()) return false;
      try {
        await copy(client, sdk, Key, asideKey(key), { [SET_ASIDE_AT]: String(Date.now()) });
      } catch (err) {
        if (isNotFound(err)) return false;
        throw describe(err, `COPY s3://${bucket}/${Key}`);
      }
      await client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key })).catch((err: unknown) => {
        throw describe(err, `DELETE s3://${bucket}/${Key}`);
      });
      return true;
    },

    async sweepAside(referenced, cutoff) {
      const { sdk, client } = await connect();
      const asidePrefix = `${prefix}${ASIDE}`;
      const listed: { key: string; modified: Date }[] = [];
      let token: string | undefined;
      do {
        const page = await client
          .send(new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: asidePrefix, ContinuationToken: token, MaxKeys: options.listPageSize }))
          .catch((err: unknown) => {
            throw describe(err, `LIST s3://${bucket}/${asidePrefix}`);
          });
        for (const object of page.Contents ?? []) {
          const key = object.Key?.slice(asidePrefix.length);
          if (key && KEY.test(key) && object.LastModified) listed.push({ key, modified: object.LastModified });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      const old: string[] = [];
      for (const { key, modified } of listed) {
        if ((await setAsideAt(client, sdk, asideKey(key), modified)) < cutoff.getTime()) old.push(key);
      }
      const wanted = await referenced(old);
      for (const key of old) {
        if (wanted.has(key)) await copy(client, sdk, asideKey(key), objectKey(key)).catch(() => {});
        await client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: asideKey(key) })).catch((err: unknown) => {
          throw describe(err, `DELETE s3://${bucket}/${asideKey(key)}`);
        });
      }
      return old.length - wanted.size;
    },
  };
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === "NotFound" || e?.name === "NoSuchKey" || e?.$metadata?.httpStatusCode === 404;
}

/** The SDK's errors say what went wrong but not on which object; ours say both. */
function describe(err: unknown, what: string): Error {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  const error = new Error(
    `${what} failed: ${e?.name ?? "Error"}${status ? ` (HTTP ${status})` : ""}: ${e?.message ?? String(err)}`,
    {
      cause: err,
    },
  );
  if (isNotFound(err)) (error as Error & { code?: string }).code = "ENOENT";
  return error;
}
