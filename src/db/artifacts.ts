// Their scrape_artifacts has no creation time: a run's raw pages are ordered by the page and
// part each one records (saved_json, written by rpc_record_artifact).
export function artifactOrder(alias?: string): string {
  const a = alias ? `${alias}.` : "";
  return `ORDER BY (${a}saved_json->>'page')::int NULLS LAST, (${a}saved_json->>'part')::int NULLS LAST, ${a}id`;
}
