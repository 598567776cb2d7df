// A real S3 API (s3rver) on 127.0.0.1, in a process of its own: s3rver encrypts its
// ListObjectsV2 continuation tokens with DES, which Node 20's OpenSSL 3 only offers with
// --openssl-legacy-provider — a flag for this child, not for the test process.
// argv: <directory> <bucket>. Prints {"port": n} once listening; exits when stdin closes.
import S3rver from "s3rver";

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
