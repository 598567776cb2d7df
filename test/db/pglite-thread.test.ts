import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/database.ts";
import { JsonBytes } from "../../src/db/json-param.ts";
import { openPglite } from "../../src/db/pglite.ts";

// The embedded database in a thread of its own (src/db/pglite-thread.js): statements run beside
// this thread, errors come back as they were, transactions hold it exclusively, and an idle
// open database does not keep the process alive.

const dirs: string[] = [];
const newDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), "cs-pglite-thread-"));
  dirs.push(dir);
  return dir;
};
let db: Database;

beforeAll(async () => {
  db = await openPglite(newDir());
  await db.exec("CREATE TABLE t (n integer PRIMARY KEY, doc jsonb, at timestamptz, amount numeric)");
});
afterAll(async () => {
  await db?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("PGlite in its own thread", () => {
  it("a long statement does not stop this thread", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    try {
      await db.query("SELECT pg_sleep(0.4)");
    } finally {
      clearInterval(timer);
    }
    // On the calling thread the statement would have held the timer for its whole 400 ms.
    expect(ticks).toBeGreaterThanOrEqual(10);
  });

  it("parameters and values keep their types both ways (dates, numbers, jsonb given as bytes)", async () => {
    const at = new Date("2026-01-02T03:04:05.678Z");
    await db.query("INSERT INTO t (n, doc, at, amount) VALUES ($1, $2::jsonb, $3, $4)", [1, JsonBytes.of(Buffer.from('{"a":[1,"ü"]}')), at, "12.50"]);
    await db.query("INSERT INTO t (n, doc) VALUES ($1, $2::jsonb)", [2, { plain: true }]);
    const rows = await db.query<{ n: number; doc: unknown; at: Date | null; amount: number | null }>("SELECT * FROM t ORDER BY n");
    expect(rows).toEqual([
      { n: 1, doc: { a: [1, "ü"] }, at, amount: 12.5 },
      { n: 2, doc: { plain: true }, at: null, amount: null },
    ]);
    expect(rows[0]!.at).toBeInstanceOf(Date);
  });

  it("a failed statement is an Error with its SQLSTATE as code, and the database goes on", async () => {
    const err = await db.query("SELECT * FROM no_such_table").then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ code: "42P01", message: expect.stringMatching(/no_such_table/) });
    const duplicate = await db.query("INSERT INTO t (n) VALUES (1)").catch((e: unknown) => e);
    expect(duplicate).toMatchObject({ code: "23505" });
    expect(await db.query("SELECT 1 AS one")).toEqual([{ one: 1 }]);
  });

  it("a transaction holds the database: a statement from outside waits for it, and a throw rolls it back", async () => {
    const order: string[] = [];
    let outside: Promise<unknown> = Promise.resolve();
    await db
      .transaction(async (tx) => {
        await tx.query("INSERT INTO t (n) VALUES (10)");
        outside = db.query<{ n: number }>("SELECT count(*)::int AS n FROM t WHERE n = 10").then((rows) => {
          order.push(`outside saw ${rows[0]!.n}`);
        });
        await tx.query("SELECT pg_sleep(0.05)");
        order.push("transaction done");
        throw new Error("changed my mind");
      })
      .catch((err: Error) => order.push(err.message));
    await outside;
    expect(order).toEqual(["transaction done", "changed my mind", "outside saw 0"]);

    await db.transaction((tx) => tx.query("INSERT INTO t (n) VALUES (11)"));
    expect(await db.query("SELECT n FROM t WHERE n >= 10 ORDER BY n")).toEqual([{ n: 11 }]);
  });

  it("closed, it refuses further statements with a clear error", async () => {
    const other = await openPglite(newDir());
    await other.close();
    await expect(other.query("SELECT 1")).rejects.toThrow(/embedded database is closed/);
    await expect(other.close()).resolves.toBeUndefined();
  });

  it("left open and idle, it does not keep the process alive", async () => {
    const fixture = path.join(import.meta.dirname, "fixtures", "pglite-left-open.ts");
    const child = spawn(process.execPath, ["--import", "tsx/esm", fixture, newDir()], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const killer = setTimeout(() => child.kill("SIGKILL"), 45_000);
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    clearTimeout(killer);
    expect(out).toContain("answered 42");
    expect(code).toBe(0);
  }, 60_000);
});
