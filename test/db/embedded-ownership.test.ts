import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Database } from "../../src/db/database.ts";
import { openDatabase } from "../../src/db/open-database.ts";
import { DataDirOwnedError } from "../../src/db/embedded/open-embedded.ts";
import { answers, ownerSocketPath, readOwnerInfo } from "../../src/db/embedded/ownership.ts";
import { migrate } from "../../src/db/migrate.ts";
import { runCli } from "../helpers/cli.ts";

const freshDir = () => mkdtempSync(path.join(tmpdir(), "cs-owner-"));

async function withOwner<T>(dataDir: string, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase({ dataDir, command: "test-owner" });
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}

describe("embedded database ownership", () => {
  it("an in-memory database (memory://) is private: no owner lock, no directory named after it", async () => {
    const db = await openDatabase({ dataDir: "memory://" });
    try {
      expect((await db.query<{ n: number }>("SELECT 1 AS n"))[0]!.n).toBe(1);
      expect(existsSync(path.resolve("memory:", "owner.json"))).toBe(false);
      expect(existsSync(ownerSocketPath("memory://"))).toBe(false);
    } finally {
      await db.close();
    }
  });

  it("commands that need no database never open (or load) PGlite", async () => {
    const dataDir = freshDir();
    const bad = path.join(dataDir, "bad.yaml");
    writeFileSync(bad, "- {slug: Bad Slug, name: x, website: nope}\n");
    for (const args of [["--help"], ["roasters", "import", bad], ["schedule", "--help"]]) {
      await runCli(args, { DATA_DIR: dataDir });
      expect(existsSync(path.join(dataDir, "pgdata")), args.join(" ")).toBe(false);
      expect(existsSync(path.join(dataDir, "owner.json")), args.join(" ")).toBe(false);
    }
  });

  it("lets other processes read and write through the owner, with nothing lost", async () => {
    const dataDir = freshDir();
    await withOwner(dataDir, async (db) => {
      expect(readOwnerInfo(dataDir)).toMatchObject({ pid: process.pid, command: "test-owner" });
      const file = path.join(dataDir, "roasters.yaml");
      writeFileSync(
        file,
        Array.from({ length: 20 }, (_, i) => `- {slug: r-${i}, name: R ${i}, website: "https://r${i}.example"}`).join("\n"),
      );
      const imported = await runCli(["roasters", "import", file], { DATA_DIR: dataDir });
      expect(imported.stderr).toBe("");
      expect(imported.stdout).toContain("20 added");
      // Written through this process's database: visible here at once.
      expect((await db.query<{ n: number }>("SELECT count(*)::int AS n FROM roasters"))[0]!.n).toBe(20);
      const listed = await runCli(["roasters", "list", "--json"], { DATA_DIR: dataDir });
      expect(JSON.parse(listed.stdout)).toHaveLength(20);
    });
    // And still there for the next owner.
    await withOwner(dataDir, async (db) => {
      expect((await db.query<{ n: number }>("SELECT count(*)::int AS n FROM roasters"))[0]!.n).toBe(20);
    });
  });

  it("a remote transaction that fails writes nothing; one that commits is kept", async () => {
    const dataDir = freshDir();
    await withOwner(dataDir, async (owner) => {
      const remote = await openDatabase({ dataDir, command: "test-remote" });
      try {
        expect((remote as { owner?: { pid: number } }).owner?.pid).toBe(process.pid);
        await expect(
          remote.transaction(async (tx) => {
            await tx.query(`SELECT rpc_upsert_roaster(p_name := 'T', p_slug := 'tx-fail', p_platform := NULL, p_website := 'https://t.example')`);
            throw new Error("changed my mind");
          }),
        ).rejects.toThrow("changed my mind");
        await remote.transaction(async (tx) => {
          await tx.query(`SELECT rpc_upsert_roaster(p_name := 'T', p_slug := 'tx-ok', p_platform := NULL, p_website := 'https://t.example')`);
        });
        const rows = await owner.query<{ slug: string; created_at: Date }>("SELECT slug, created_at FROM roasters ORDER BY slug");
        expect(rows.map((r) => r.slug)).toEqual(["tx-ok"]);
        const viaRemote = await remote.query<{ created_at: Date }>("SELECT created_at FROM roasters");
        expect(viaRemote[0]!.created_at).toBeInstanceOf(Date);
      } finally {
        await remote.close();
      }
    });
  });

  it("refuses a second single-process role with the owner's pid and command", async () => {
    const dataDir = freshDir();
    await withOwner(dataDir, async () => {
      const attempt = openDatabase({ dataDir, command: "worker", requireOwnership: true });
      await expect(attempt).rejects.toBeInstanceOf(DataDirOwnedError);
      await expect(attempt).rejects.toThrow(new RegExp(`coffee-scraper test-owner\` \\(pid ${process.pid}`));
      await expect(attempt).rejects.toThrow(/DATABASE_URL .* REDIS_URL/);
    });
  });

  it("recovers the lock of an owner killed with -9, saying so", async () => {
    const dataDir = freshDir();
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx/esm",
        "-e",
        `const { openDatabase } = await import(${JSON.stringify(path.resolve("src/db/open-database.ts"))});
         await openDatabase({ dataDir: ${JSON.stringify(dataDir)}, command: "doomed" });
         console.log("owned");
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise<void>((resolve) => child.stdout!.on("data", (d: Buffer) => d.toString().includes("owned") && resolve()));
    expect(await answers(ownerSocketPath(dataDir))).toBe(true);
    child.kill("SIGKILL");
    await new Promise((resolve) => child.on("exit", resolve));
    const recovered: unknown[] = [];
    const db = await openDatabase({ dataDir, command: "after-crash", requireOwnership: true, onStaleLock: (dead) => recovered.push(dead) });
    try {
      expect(recovered).toEqual([expect.objectContaining({ pid: child.pid, command: "doomed" })]);
      await migrate(db);
    } finally {
      await db.close();
    }
  });
});
