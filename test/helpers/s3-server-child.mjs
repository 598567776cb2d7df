// A real S3 API (s3rver) on 127.0.0.1, in a process of its own: s3rver encrypts its
// ListObjectsV2 continuation tokens with DES, which Node 20's OpenSSL 3 only offers with
// --openssl-legacy-provider — a flag for this child, not for the test process.
// argv: <directory> <bucket>. Prints {"port": n} once listening; exits when stdin closes.
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { Transform } from "node:stream";
import S3rver from "s3rver";
import FilesystemStore from "s3rver/lib/stores/filesystem.js";

// S3 makes a PUT visible whole or not at all, and only once it is stored. s3rver streams into
// the object's own file and answers before the file is flushed, so a GET or COPY racing a PUT
// can read half a body — a fault S3 never has. Written to a temporary file and renamed into
// place once complete, it behaves like S3 here.
FilesystemStore.prototype.putObject = async function putObject(object) {
  const objectPath = this.getResourcePath(object.bucket, object.key, "object");
  await mkdir(path.dirname(objectPath), { recursive: true });
  const temporary = `${objectPath}.${process.pid}.${Math.random().toString(36).slice(2)}.partial`;
  const md5 = createHash("md5");
  let size = 0;
  const count = new Transform({
    transform(chunk, _encoding, callback) {
      md5.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  const source = Buffer.isBuffer(object.content) ? [object.content] : object.content;
  await pipeline(source, count, createWriteStream(temporary));
  await rename(temporary, objectPath);
  const digest = md5.digest("hex");
  await this.putMetadata(object.bucket, object.key, object.metadata, digest);
  return { size, md5: digest };
};

const [directory, bucket] = process.argv.slice(2);
const server = new S3rver({
  address: "127.0.0.1",
  port: 0,
  silent: true,
  directory,
  configureBuckets: [{ name: bucket }],
});
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.stdin.resume();
process.stdin.on("end", () => server.close().then(() => process.exit(0)));
