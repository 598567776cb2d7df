import { request, type Dispatcher, type FormData } from "undici";
import { transient } from "../core/errors.ts";
import { abortAfter } from "../core/timers.ts";
import { readBody } from "./body.ts";

// One POST to a paid service we call (Firecrawl, an LLM endpoint, ImageKit's upload API) — not
// a store, so not the polite client: a deadline for headers and body together, the answer's
// size capped, the caller's signal honoured. What to retry is each client's to decide.

export interface ServicePost {
  dispatcher: Dispatcher;
  url: string;
  headers: Record<string, string>;
  body: string | FormData;
  timeoutMs: number;
  maxBytes: number;
  /** The message of the transient error thrown when `timeoutMs` passes. */
  timeoutMessage: string;
  signal?: AbortSignal | undefined;
}

export interface ServiceAnswer {
  status: number;
  /** Header names in lower case; repeated ones joined. */
  headers: Record<string, string>;
  body: Buffer;
}

export async function postToService(post: ServicePost): Promise<ServiceAnswer> {
  const timeout = abortAfter(post.timeoutMs);
  const signal = post.signal ? AbortSignal.any([post.signal, timeout]) : timeout;
  try {
    const response = await request(post.url, { dispatcher: post.dispatcher, method: "POST", headers: post.headers, body: post.body, signal });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(response.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
    const body = await readBody(response.body, {
      url: post.url,
      encoding: headers["content-encoding"] ?? null,
      maxBytes: post.maxBytes,
      onWireBytes: () => {},
    });
    return { status: response.statusCode, headers, body };
  } catch (err) {
    if (post.signal?.aborted) throw post.signal.reason ?? err;
    if (timeout.aborted) throw transient("timeout", post.timeoutMessage);
    throw err;
  }
}
