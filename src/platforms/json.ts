import type { z } from "zod";
import { permanent, transient } from "../core/errors.ts";
import type { StoredResponse } from "./adapter.ts";
import { parseJsonInParts } from "./json-parts.ts";

// Page-level checks shared by the adapters: the answer must be the JSON the platform sends.

export function decodeJson(response: StoredResponse, what: string): unknown {
  const type = response.contentType ?? "none";
  const inParts = /html/i.test(type) ? null : parseJsonInParts(response.body);
  if (inParts) return inParts.value;
  const text = response.body.toString("utf8").replace(/^\uFEFF/, "");
  if (/html/i.test(type) || /^\s*</.test(text)) {
    throw transient(
      "html_instead_of_json",
      `${response.url} answered ${response.status} with HTML (content-type ${type}) where ${what} JSON was expected`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw transient(
      "invalid_json",
      `${response.url} answered ${response.status} with ${response.body.length} bytes that are not valid JSON ` +
        `(truncated?): ${(err as Error).message}`,
    );
  }
}

export function wrongShape(response: StoredResponse, expected: string, got: unknown): never {
  const kind = Array.isArray(got) ? "an array" : got === null ? "null" : typeof got;
  throw permanent("unexpected_shape", `${response.url} answered JSON that is not ${expected} (got ${kind})`);
}

/** "variants.0.price: expected string, received object; title: required" — short enough for stats. */
export function describeIssues(error: z.ZodError, max = 3): string {
  const parts = error.issues.slice(0, max).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
  if (error.issues.length > max) parts.push(`… ${error.issues.length - max} more`);
  return parts.join("; ");
}

/** The `id` of a raw product, when it has one, for error entries. */
export function idOf(value: unknown): string | null {
  const id = (value as { id?: unknown } | null)?.id;
  return typeof id === "number" || typeof id === "string" ? String(id) : null;
}
