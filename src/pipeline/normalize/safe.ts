// normalizeProduct must never throw: one malformed field should cost that field, not the
// whole product. Each step runs through here and a failure becomes a warning.
export function safely<T>(step: string, fn: () => T, fallback: T, warnings: string[]): T {
  try {
    return fn();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    warnings.push(`${step} failed (${message.slice(0, 200)}); left empty`);
    return fallback;
  }
}

export function stringOrNull(value: unknown): string | null {
  return typeof value === "string" && value.trim() !== "" ? value : null;
}

export function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

export function objectArray<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value.filter((v) => v !== null && typeof v === "object") as T[]) : [];
}
