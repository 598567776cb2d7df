import { JOB_TYPES, modeOf } from "../core/job-kinds.ts";
import { html, type Html } from "./html.ts";

// Display formats: times in UTC (the schedules are UTC), money with its currency code.

export function toDate(value: Date | string | null | undefined): Date | null {
  if (value === null || value === undefined) return null;
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function utc(value: Date | string | null | undefined): string {
  const d = toDate(value);
  return d ? `${d.toISOString().slice(0, 16).replace("T", " ")} UTC` : "—";
}

export function ago(value: Date | string | null | undefined, now: Date): string {
  const d = toDate(value);
  if (!d) return "—";
  const s = Math.round((now.getTime() - d.getTime()) / 1000);
  const future = s < 0;
  const a = Math.abs(s);
  const text =
    a < 60 ? `${a} s` : a < 3600 ? `${Math.round(a / 60)} min` : a < 172_800 ? `${Math.round(a / 3600)} h` : `${Math.round(a / 86_400)} days`;
  return future ? `in ${text}` : `${text} ago`;
}

/** A <time> with the UTC time and, on hover, how long ago. */
export function when(value: Date | string | null | undefined, now: Date): Html {
  const d = toDate(value);
  if (!d) return html`<span class="muted">—</span>`;
  return html`<time datetime="${d.toISOString()}" title="${ago(d, now)}">${utc(d)}</time>`;
}

export function money(amount: number | null | undefined, currency: string | null | undefined): string {
  if (amount === null || amount === undefined || !Number.isFinite(amount)) return "—";
  const fixed = amount.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return currency ? `${currency} ${fixed}` : fixed;
}

export function count(n: number | null | undefined): string {
  return n === null || n === undefined ? "—" : Math.round(n).toLocaleString("en-US");
}

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return "—";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

export function grams(weight: number | null | undefined): string {
  if (weight === null || weight === undefined) return "unknown";
  return weight >= 1000 && weight % 100 === 0 ? `${weight / 1000} kg` : `${weight} g`;
}

/** A stored job type as shown: its mode ("full", "price"); keyed by string because rows carry any text. */
export const JOB_TYPE_LABEL: Record<string, string> = Object.fromEntries(JOB_TYPES.map((type) => [type, modeOf(type)]));

export function statusBadge(status: string | null | undefined): Html {
  const s = status ?? "running";
  return html`<span class="badge st-${s.replace(/[^a-z_]/g, "")}">${s}</span>`;
}
