import { Agent, FormData } from "undici";
import { redactSecrets } from "../core/secrets.ts";
import { permanent, ScrapeError, throttled, transient } from "../core/errors.ts";
import { postToService } from "../fetch/service-post.ts";
import { parseRetryAfter, requestBackoffMs } from "../fetch/retry.ts";
import { seconds, sleep } from "../core/timers.ts";

// ImageKit's upload API (https://docs.imagekit.io/api-reference/upload-file-api/server-side-file-upload):
// a multipart POST with HTTP Basic auth, the private key as the user name and no password.
// The file name is the bytes' SHA-256, so an upload repeated (a retry, a second worker) lands
// on the same file. A paid service: a timeout per call, 429/5xx waited out (Retry-After up to
// a cap) a bounded number of times, the answer's size capped, the key never in a log line.

const MAX_ATTEMPTS = 3;
const MAX_ANSWER_BYTES = 256 * 1024;

export interface ImageKitSettings {
  privateKey: string;
  uploadUrl: string;
  urlEndpoint: string;
  timeoutMs: number;
  retryAfterCapMs: number;
  retryBaseMs: number;
}

export interface Upload {
  bytes: Buffer;
  fileName: string;
  folder: string;
  contentType: string;
}

export interface Uploaded {
  /** Where ImageKit serves it: IMAGEKIT_URL_ENDPOINT + the file's path. */
  url: string;
  filePath: string;
}

export class ImageKitClient {
  private readonly dispatcher: Agent;
  private readonly authorization: string;

  constructor(
    private readonly settings: ImageKitSettings,
    private readonly options: { signal?: AbortSignal; random?: () => number } = {},
  ) {
    this.dispatcher = new Agent({ headersTimeout: settings.timeoutMs, bodyTimeout: settings.timeoutMs, connections: 4 });
    this.authorization = `Basic ${Buffer.from(`${settings.privateKey}:`).toString("base64")}`;
  }

  async upload(file: Upload): Promise<Uploaded> {
    for (let attempt = 1; ; attempt++) {
      this.options.signal?.throwIfAborted();
      let status: number;
      let retryAfterHeader: string | undefined;
      let body: Buffer;
      try {
        ({ status, retryAfterHeader, body } = await this.exchange(file));
      } catch (err) {
        if (this.options.signal?.aborted || attempt >= MAX_ATTEMPTS) throw asTransient(err);
        await this.wait(requestBackoffMs(attempt, this.settings.retryBaseMs, this.options.random));
        continue;
      }
      const what = `ImageKit's upload API answered ${status}`;
      if (status >= 200 && status < 300) return this.uploaded(body, what);
      if (status === 401 || status === 403) throw permanent("imagekit_unauthorized", `${what}: IMAGEKIT_PRIVATE_KEY was refused`);
      if (status === 429 || status >= 500) {
        const retryAfter = parseRetryAfter(retryAfterHeader);
        if (retryAfter !== null && retryAfter > this.settings.retryAfterCapMs) {
          throw throttled("retry_after_too_long", `${what} with Retry-After ${seconds(retryAfter)}, beyond the ${seconds(this.settings.retryAfterCapMs)} cap`, retryAfter);
        }
        if (attempt >= MAX_ATTEMPTS) throw new ScrapeError(`imagekit_${status}`, `${what} after ${MAX_ATTEMPTS} attempts`);
        await this.wait(retryAfter ?? requestBackoffMs(attempt, this.settings.retryBaseMs, this.options.random));
        continue;
      }
      throw new ScrapeError(`imagekit_${status}`, `${what}: ${redactSecrets(body.subarray(0, 200).toString("utf8").replace(/\s+/g, " "))}`);
    }
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private uploaded(body: Buffer, what: string): Uploaded {
    let filePath: unknown;
    try {
      filePath = (JSON.parse(body.toString("utf8")) as { filePath?: unknown }).filePath;
    } catch {
      filePath = undefined;
    }
    if (typeof filePath !== "string" || !filePath.startsWith("/")) throw transient("imagekit_invalid_answer", `${what} without the file's path`);
    return { url: `${this.settings.urlEndpoint.replace(/\/+$/, "")}${filePath}`, filePath };
  }

  private async wait(ms: number): Promise<void> {
    if (ms > 0) await sleep(ms, this.options.signal ? { signal: this.options.signal } : {});
  }

  private async exchange(file: Upload) {
    const form = new FormData();
    form.set("file", new Blob([file.bytes], { type: file.contentType }), file.fileName);
    form.set("fileName", file.fileName);
    form.set("folder", file.folder);
    form.set("useUniqueFileName", "false");
    form.set("overwriteFile", "true");
    const answer = await postToService({
      dispatcher: this.dispatcher,
      url: this.settings.uploadUrl,
      headers: { authorization: this.authorization, accept: "application/json" },
      body: form,
      timeoutMs: this.settings.timeoutMs,
      maxBytes: MAX_ANSWER_BYTES,
      timeoutMessage: `no complete answer from ImageKit's upload API within ${this.settings.timeoutMs} ms`,
      signal: this.options.signal,
    });
    return { status: answer.status, retryAfterHeader: answer.headers["retry-after"], body: answer.body };
  }
}

function asTransient(err: unknown) {
  return transient("imagekit_unreachable", `ImageKit's upload API failed: ${redactSecrets((err as Error).message)}`, err);
}
