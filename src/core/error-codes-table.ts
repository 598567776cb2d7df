import { ERROR_CODES, STATUS_CODE_FAMILIES, type FixedErrorCode } from "./errors.ts";

/** The Markdown table of error codes in docs/interface.md, from the table in src/core/errors.ts. */
export function errorCodesTable(): string {
  const rows = (Object.keys(ERROR_CODES) as FixedErrorCode[]).map((code) => {
    const entry: { retry: string; final?: true; endsRun?: true; inheritsCause?: true; doc: string } = ERROR_CODES[code];
    const retry = entry.inheritsCause ? `as its cause (else ${entry.retry})` : entry.retry;
    const ends = [entry.endsRun ? "the run" : null, entry.final ? "the job, without its retries" : null].filter(Boolean).join("; ");
    return `| \`${code}\` | ${retry} | ${ends} | ${entry.doc} |`;
  });
  const families = Object.entries(STATUS_CODE_FAMILIES).map(([family, { doc }]) => `| \`${family}_<status>\` | by status |  | ${doc} |`);
  return ["| code | retry class | ends | meaning |", "|---|---|---|---|", ...rows, ...families].join("\n");
}
