// The kinds of run, in one table. A kind's name is what is stored (run_jobs.job_type, slots,
// queue payloads, run stats) and never changes; its mode is the short word the CLI, the
// dashboard, ingest and remembered validators use for it.

export const JOB_KINDS = {
  full_refresh: { mode: "full" },
  price_only: { mode: "price" },
} as const;

export type JobType = keyof typeof JOB_KINDS;
export type JobMode = (typeof JOB_KINDS)[JobType]["mode"];

export const JOB_TYPES = Object.keys(JOB_KINDS) as readonly JobType[];
export const JOB_MODES = JOB_TYPES.map((type) => JOB_KINDS[type].mode) as readonly JobMode[];

export const modeOf = (type: JobType): JobMode => JOB_KINDS[type].mode;

export const jobTypeOf = (mode: JobMode): JobType => JOB_TYPES.find((type) => JOB_KINDS[type].mode === mode)!;

export const isJobType = (value: unknown): value is JobType => (JOB_TYPES as readonly unknown[]).includes(value);

export const isJobMode = (value: unknown): value is JobMode => (JOB_MODES as readonly unknown[]).includes(value);
