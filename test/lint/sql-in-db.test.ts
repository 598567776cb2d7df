import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// All SQL lives in src/db/: the rest of the code calls its functions. This test reads every
// other source file and fails on a string that is SQL, or on a query run on a database
// handle. It reads the syntax tree, not the text, so comments and regular expressions
// (the normalizers', `RegExp.prototype.exec`) are never taken for SQL.

const ROOT = join(import.meta.dirname, "../..");
const SRC = join(ROOT, "src");
const DB = join(SRC, "db");

/** Statements and clauses only SQL has, in upper case as this code base writes them. */
const SQL = new RegExp(
  [
    String.raw`\bSELECT\s+(?:DISTINCT\b|[\w*$(])`,
    String.raw`\bINSERT\s+INTO\b`,
    String.raw`\bUPDATE\s+[\w."]+\s+SET\b`,
    String.raw`\bDELETE\s+FROM\b`,
    String.raw`\bWITH\s+(?:RECURSIVE\s+)?\w+\s+AS\s*\(`,
    String.raw`\bON\s+CONFLICT\b`,
    String.raw`\b(?:CREATE|ALTER|DROP)\s+(?:TABLE|INDEX|SCHEMA|FUNCTION|VIEW|TYPE)\b`,
    String.raw`\bTRUNCATE\s+(?:TABLE\s+)?[\w."]+`,
  ].join("|"),
);

/** A receiver that is a database handle by name: `db`, `tx`, `deps.db`, `this.db`… */
const HANDLE = /(?:^|\.)(?:db|tx|database|pool|pglite|client)$/;
const RUNS_SQL = new Set(["query", "exec"]);

interface SqlFinding {
  line: number;
  text: string;
}

/** The SQL strings and database-handle queries in one TypeScript source. */
function findSql(fileName: string, source: string): SqlFinding[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const findings: SqlFinding[] = [];
  const report = (node: ts.Node) => {
    const line = file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
    findings.push({ line, text: node.getText(file).replace(/\s+/g, " ").slice(0, 100) });
  };
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      if (SQL.test(node.text)) report(node);
    } else if (ts.isTemplateExpression(node)) {
      // The literal parts joined by a space: `SELECT ${columns} FROM …` is SQL too.
      const text = [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(" ");
      if (SQL.test(text)) report(node);
      node.templateSpans.forEach((s) => visit(s.expression));
      return;
    } else if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      RUNS_SQL.has(node.expression.name.text) &&
      HANDLE.test(node.expression.expression.getText(file))
    ) {
      report(node);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return findings;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return path === DB ? [] : sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

describe("SQL lives in src/db/", () => {
  it("no other source file holds a SQL string or runs a query on a database handle", () => {
    const found = sourceFiles(SRC).flatMap((path) =>
      findSql(path, readFileSync(path, "utf8")).map((f) => `${relative(ROOT, path)}:${f.line}  ${f.text}`),
    );
    expect(found).toEqual([]);
  });

  it("the detector finds SQL in strings, templates and handle calls, and nothing in regexes, comments or prose", () => {
    const sample = [
      `const a = "SELECT id FROM public.roasters WHERE slug = $1";`,
      "const b = `INSERT INTO coffee_scraper.x (a) VALUES ($1) ON CONFLICT (a) DO NOTHING`;",
      "const c = `UPDATE public.roasters SET name = $2 WHERE id = ${id}`;",
      `const d = 'DELETE FROM coffee_scraper.http_validators';`,
      "const e = `WITH run AS (SELECT 1) SELECT * FROM run`;",
      "const f = `SELECT ${columns} FROM ${from}`;",
      "await deps.db.query(sql, [id]);",
      "await tx.exec(script);",
    ];
    expect(findSql("sample.ts", sample.join("\n")).map((f) => f.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const clean = [
      "// SELECT id FROM roasters: a comment is no query",
      "const weight = /(\\d+)\\s*(?:g|kg)\\b/i.exec(title);",
      "const m = UNIT_RE.exec(text);",
      'const page = c.req.query("page");',
      'const hint = "Select a roaster, then update its settings";',
      'const label = "SELECTED";',
    ];
    expect(findSql("clean.ts", clean.join("\n"))).toEqual([]);
  });
});
