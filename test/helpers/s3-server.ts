import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

// A real S3-compatible server (s3rver, from npm) for the tests, on 127.0.0.1 with a
// temporary directory: the artifact store talks to it over HTTP with the AWS SDK exactly
// as it would to S3, R2 or MinIO.

export interface S3Server {
  endpoint: string;
  bucket: string;
  /** s3rver's own credentials. */
  accessKeyId: string;
  secretAccessKey: string;
  /** Where s3rver keeps an object's body on disk (for ageing it in retention tests). */
  objectFile(key: string): string;
  close(): Promise<void>;
}

const CHILD = fileURLToPath(new URL("./s3-server-child.mjs", import.meta.url));

export async function startS3Server(bucket = "artifacts"): Promise<S3Server> {
  const directory = mkdtempSync(path.join(tmpdir(), "cs-s3-"));
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, ["--openssl-legacy-provider", CHILD, directory, bucket], {
    stdio: ["pipe", "pipe", "pipe"],
    env,
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once("exit", (code) => reject(new Error(`s3rver exited (${code}) before listening: ${stderr}`)));
    child.once("error", reject);
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
    objectFile: (key) => path.join(directory, bucket, `${key}._S3rver_object`),
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.stdin.end();
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
