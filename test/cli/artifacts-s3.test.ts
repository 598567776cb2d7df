import { readdirSync, readFileSync, utimesSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3ArtifactStore } from "../../src/pipeline/artifacts/s3-store.ts";
import { runCli } from "../helpers/cli.ts";
import { useTestDatabase } from "../helpers/database.ts";
import { startS3Server, type S3Server } from "../helpers/s3-server.ts";

// `artifacts prune` through the real CLI prunes the configured bucket (s3rver on 127.0.0.1).
describe("artifacts prune with ARTIFACTS_S3_BUCKET", () => {
  const database = useTestDatabase("pglite", { shareWithChildren: true });
  let s3: S3Server;
  beforeAll(async () => {
    s3 = await startS3Server();
  }, 30_000);
  afterAll(async () => s3?.close());

  it("deletes old unreferenced bodies from the bucket, and the process exits", async () => {
    const options = {
      bucket: s3.bucket,
      endpoint: s3.endpoint,
      region: "us-east-1",
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      forcePathStyle: true,
      prefix: "cli",
    };
    const store = s3ArtifactStore(options);
    const old = await store.put(Buffer.from("an old page nothing refers to"));
    const young = await store.put(Buffer.from("a page a job is about to record"));
    const t = new Date(Date.now() - 2 * 3600_000);
    utimesSync(s3.objectFile(`cli/${old.key}`), t, t);

    const result = await runCli(["artifacts", "prune", "--days", "0"], {
      DATA_DIR: database().dataDir,
      ARTIFACTS_S3_BUCKET: s3.bucket,
      ARTIFACTS_S3_ENDPOINT: s3.endpoint,
      ARTIFACTS_S3_ACCESS_KEY_ID: s3.accessKeyId,
      ARTIFACTS_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      ARTIFACTS_S3_PREFIX: "cli",
      ARTIFACTS_S3_FORCE_PATH_STYLE: "true",
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("and 1 stored body(ies)");
    const left = [];
    for await (const item of store.list()) left.push(item.key);
    expect(left).toEqual([young.key]);
  }, 60_000);
});

// Deployments without a bucket never load the AWS SDK: nothing in src imports it eagerly.
describe("the AWS SDK", () => {
  it("is imported only as types or with a dynamic import()", () => {
    const src = path.resolve(import.meta.dirname, "../../src");
    const files = readdirSync(src, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith(".ts"));
    const eager = files.filter((f) =>
      /^\s*import\s+(?!type\b)[^;]*from\s+["']@aws-sdk\//m.test(readFileSync(path.join(src, f), "utf8")),
    );
    expect(eager).toEqual([]);
    expect(readFileSync(path.join(src, "pipeline/artifacts/s3-store.ts"), "utf8")).toContain(
      'import("@aws-sdk/client-s3")',
    );
  });
});
