import { startLocalServer } from "./local-server.ts";

// A local stand-in of an OpenAI-compatible chat-completions endpoint (POST
// /v1/chat/completions with `response_format: {type: "json_schema"}`), on 127.0.0.1 port 0.
// What it answers is scripted per call by `answer` (which sees the product text and the
// fields the schema asks for); it counts every call and reports tokens as `usage`.

export interface ChatCall {
  /** The user message (the fields asked and the product's text). */
  prompt: string;
  /** The properties of the JSON schema the call asked for. */
  fields: string[];
  authorization: string | undefined;
  status: number;
}

/** One scripted answer: a JSON value as the message content, raw text, or an HTTP failure. */
export type Scripted =
  | { json: unknown; tokens?: number }
  | { text: string }
  | { status: number; retryAfter?: string }
  | { delayMs: number; then: Scripted };

export interface LlmStandIn {
  url: string;
  calls: ChatCall[];
  /** Calls answered 200. */
  answered(): number;
  close(): Promise<void>;
}

export async function startLlm(answer: (call: { prompt: string; fields: string[]; n: number }) => Scripted): Promise<LlmStandIn> {
  const calls: ChatCall[] = [];
  const server = await startLocalServer((req, res) => {
    let raw = "";
    req.on("data", (d: Buffer) => (raw += d.toString()));
    req.on("end", () => {
      let body: {
        messages?: { role: string; content: string }[];
        response_format?: { type?: string; json_schema?: { schema?: { properties?: Record<string, unknown> } } };
      } = {};
      try {
        body = JSON.parse(raw) as typeof body;
      } catch {
        res.writeHead(400).end();
        return;
      }
      const prompt = body.messages?.find((m) => m.role === "user")?.content ?? "";
      const fields = Object.keys(body.response_format?.json_schema?.schema?.properties ?? {});
      const call: ChatCall = { prompt, fields, authorization: req.headers.authorization, status: 0 };
      calls.push(call);
      const send = (status: number, payload: string, headers: Record<string, string> = {}) => {
        // An answer to a client that gave up (its timeout) is never delivered: status 0.
        if (res.destroyed || req.destroyed) return;
        call.status = status;
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(payload);
      };
      if (req.url !== "/v1/chat/completions" || body.response_format?.type !== "json_schema") {
        send(400, JSON.stringify({ error: { message: "expected POST /v1/chat/completions with a json_schema response_format" } }));
        return;
      }
      const reply = (scripted: Scripted): void => {
        if ("delayMs" in scripted) {
          setTimeout(() => reply(scripted.then), scripted.delayMs);
          return;
        }
        if ("status" in scripted) {
          send(scripted.status, JSON.stringify({ error: { message: "scripted failure" } }), scripted.retryAfter ? { "retry-after": scripted.retryAfter } : {});
          return;
        }
        const content = "text" in scripted ? scripted.text : JSON.stringify(scripted.json);
        const tokens = "json" in scripted ? (scripted.tokens ?? 100) : 100;
        send(200, JSON.stringify({ choices: [{ index: 0, message: { role: "assistant", content } }], usage: { total_tokens: tokens } }));
      };
      reply(answer({ prompt, fields, n: calls.length }));
    });
  });
  return {
    url: `${server.url}/v1`,
    calls,
    answered: () => calls.filter((c) => c.status === 200).length,
    close: server.close,
  };
}

/** An answer giving `values` (with confidence "high" unless given as {value, confidence}) for the fields asked, null for the rest. */
export function answerFor(fields: string[], values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    fields.map((f) => {
      const v = values[f];
      if (v === undefined) return [f, null];
      return [f, typeof v === "object" && v !== null && "confidence" in v ? v : { value: v, confidence: "high" }];
    }),
  );
}
