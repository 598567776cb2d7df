import { z } from "zod";

// What people are told about a setting travels with its schema, so the README table,
// env.example, redaction and the dashboard all read the one declaration.

/** env.example's headings, in the order the schema declares its settings. */
export const SETTING_GROUPS = {
  connections: "connections",
  logging: "logging",
  worker: "worker and queue",
  scheduler: "scheduler",
  http: "polite HTTP",
  roasters: "roasters, alerts, retention",
  "plain-stores": "stores without a platform API",
  paid: 'optional paid stages (README: "Optional paid stages")',
  s3: "raw pages in an S3-compatible bucket (S3, R2, Supabase Storage, MinIO)",
  dashboard: "dashboard and metrics",
} as const;

export type SettingGroup = keyof typeof SETTING_GROUPS;

/**
 * How a secret setting is kept out of sight. Both kinds are scrubbed from every log line and
 * error message; a `value` is never shown at all, `credentials` (a connection string) are
 * shown with the password masked.
 */
export type SecretKind = "value" | "credentials";

export interface SettingMeta {
  /** One line for people: the README table's "meaning" and env.example's comment. */
  doc: string;
  group: SettingGroup;
  secret?: SecretKind;
}

export const settingMeta = z.registry<SettingMeta>();

/** Declares settings of one group: `schema` (defaults and all) gets its doc and secrecy. */
export function inGroup(group: SettingGroup) {
  return <S extends z.ZodType>(schema: S, doc: string, secret?: SecretKind): S => {
    settingMeta.add(schema, secret ? { doc, group, secret } : { doc, group });
    return schema;
  };
}
