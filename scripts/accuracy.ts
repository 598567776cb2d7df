// npm run accuracy — scores classification and parsing on the labelled corpus
// (test/fixtures/corpus), for its tuning part and its held-out part, each field against
// its target. Misses are listed for the tuning part only: the held-out part is never tuned on.
import { loadCorpus, loadParserCases, PARTS, type Part } from "./accuracy/corpus.ts";
import { combined, scoreParserCases, scoreStores, type FieldScores, type Tally } from "./accuracy/score.ts";

interface Row {
  field: string;
  target: string;
  meets: (t: Tally) => boolean | null;
  pick: (s: FieldScores, parser: Tally) => Tally;
}

const atLeast = (pct: number) => (t: Tally) => t.total === 0 || t.right / t.total >= pct / 100;

const ROWS: Row[] = [
  { field: "is-coffee", target: "≥ 97 %", meets: atLeast(97), pick: (s) => s.isCoffee },
  { field: "weight exact", target: "≥ 99 %", meets: atLeast(99), pick: (s) => s.weightExact },
  {
    field: "wrong non-null weights",
    target: "0",
    meets: (t) => t.right === t.total,
    pick: (s) => s.wrongWeights,
  },
  { field: "price / currency", target: "100 %", meets: atLeast(100), pick: (s) => s.price },
  { field: "whole-bean grind", target: "≥ 95 %", meets: atLeast(95), pick: (s) => s.wholeBean },
  { field: "parser cases", target: "≥ 95 %", meets: atLeast(95), pick: (_s, p) => p },
  { field: "grind (all labelled)", target: "—", meets: () => null, pick: (s) => s.grind },
  { field: "kind (labelled)", target: "—", meets: () => null, pick: (s) => s.kind },
  { field: "products read", target: "100 %", meets: atLeast(100), pick: (s) => s.missing },
];

function cell(t: Tally, field: string): string {
  if (field === "wrong non-null weights") return `${t.total - t.right} of ${t.total}`;
  const pct = t.total === 0 ? "—" : `${((100 * t.right) / t.total).toFixed(1)} %`;
  return `${pct} (${t.right}/${t.total})`;
}

const corpus = loadCorpus();
const results = PARTS.map((part: Part) => {
  const stores = corpus.filter((s) => s.part === part);
  const fields = scoreStores(stores);
  const parserByField = scoreParserCases(loadParserCases(part));
  return { part, fields, parserByField, parser: combined(parserByField) };
});

const pad = (s: string, n: number) => s.padEnd(n);
const header = results.map((r) => `${r.part} (${r.fields.stores} stores, ${r.fields.products} products)`);
console.log(`${pad("field", 24)}${header.map((h) => pad(h, 38)).join("")}target`);
let missed = 0;
for (const row of ROWS) {
  const cells = results.map((r) => {
    const t = row.pick(r.fields, r.parser);
    const ok = row.meets(t);
    if (ok === false) missed++;
    return `${cell(t, row.field)}${ok === false ? "  MISSED" : ""}`;
  });
  console.log(`${pad(row.field, 24)}${cells.map((c) => pad(c, 38)).join("")}${row.target}`);
}
console.log("");
console.log(`${pad("parser cases by field", 24)}${results.map((r) => pad(r.part, 38)).join("")}`);
for (const field of Object.keys(results[0]!.parserByField)) {
  const cells = results.map((r) => cell(r.parserByField[field as keyof typeof r.parserByField], field));
  console.log(`${pad(`  ${field}`, 24)}${cells.map((c) => pad(c, 38)).join("")}`);
}

const tuning = results.find((r) => r.part === "tuning")!;
const misses = [
  ...Object.values(tuning.fields).flatMap((t: unknown) =>
    typeof t === "object" && t && "misses" in t ? (t as Tally).misses : [],
  ),
  ...tuning.parser.misses,
];
if (misses.length > 0) {
  console.log(`\nTuning misses (${misses.length}; the held-out part's are not shown):`);
  for (const m of [...new Set(misses)]) console.log(`  ${m}`);
}
console.log(missed === 0 ? "\nEvery target met on both parts." : `\n${missed} target(s) missed.`);
process.exitCode = missed === 0 ? 0 : 1;
