import { startLocalServer } from "./local-server.ts";

// A local stand-in of ImageKit's upload API (POST multipart/form-data, HTTP Basic auth with
// the private key as user name and no password), on 127.0.0.1 port 0. It keeps each uploaded
// file by folder and name, answers as ImageKit does ({fileId, name, filePath, url, size}),
// fails the next uploads on demand, and counts every call.

export interface UploadCall {
  authorized: boolean;
  status: number;
  fileName: string | null;
  folder: string | null;
  useUniqueFileName: string | null;
  bytes: number;
}

export interface ImageKitStandIn {
  uploadUrl: string;
  /** What IMAGEKIT_URL_ENDPOINT would be. */
  endpoint: string;
  calls: UploadCall[];
  /** Stored files: "<folder>/<fileName>" → bytes. */
  files: Map<string, Buffer>;
  /** The next `times` uploads whose file name matches answer `status`. */
  fail(match: RegExp, times: number, status?: number): void;
  close(): Promise<void>;
}

export async function startImageKit(privateKey: string): Promise<ImageKitStandIn> {
  const calls: UploadCall[] = [];
  const files = new Map<string, Buffer>();
  const failures: { match: RegExp; times: number; status: number }[] = [];
  const expected = `Basic ${Buffer.from(`${privateKey}:`).toString("base64")}`;
  const server = await startLocalServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (d: Buffer) => chunks.push(d));
    req.on("end", () => {
      void (async () => {
        const call: UploadCall = { authorized: req.headers.authorization === expected, status: 0, fileName: null, folder: null, useUniqueFileName: null, bytes: 0 };
        calls.push(call);
        const send = (status: number, body: unknown) => {
          call.status = status;
          res.writeHead(status, { "content-type": "application/json" });
          res.end(JSON.stringify(body));
        };
        if (req.method !== "POST" || req.url !== "/api/v1/files/upload") return send(404, { message: "Not found" });
        if (!call.authorized) return send(401, { message: "Your request does not contain private API key." });
        let form: FormData;
        try {
          form = await new Response(Buffer.concat(chunks), { headers: { "content-type": req.headers["content-type"] ?? "" } }).formData();
        } catch {
          return send(400, { message: "not multipart/form-data" });
        }
        const file = form.get("file");
        call.fileName = typeof form.get("fileName") === "string" ? (form.get("fileName") as string) : null;
        call.folder = typeof form.get("folder") === "string" ? (form.get("folder") as string) : null;
        call.useUniqueFileName = typeof form.get("useUniqueFileName") === "string" ? (form.get("useUniqueFileName") as string) : null;
        if (!(file instanceof Blob) || !call.fileName) return send(400, { message: "file and fileName are required" });
        const bytes = Buffer.from(await file.arrayBuffer());
        call.bytes = bytes.length;
        const failure = failures.find((f) => f.times > 0 && f.match.test(call.fileName!));
        if (failure) {
          failure.times--;
          return send(failure.status, { message: "scripted failure" });
        }
        const filePath = `${(call.folder ?? "/").replace(/\/+$/, "")}/${call.fileName}`;
        files.set(filePath, bytes);
        send(200, { fileId: `f${files.size}`, name: call.fileName, filePath, url: `https://ik.example${filePath}`, size: bytes.length, fileType: "image" });
      })();
    });
  });
  return {
    uploadUrl: `${server.url}/api/v1/files/upload`,
    endpoint: "https://ik.imagekit.io/test-id",
    calls,
    files,
    fail: (match, times, status = 500) => failures.push({ match, times, status }),
    close: server.close,
  };
}
