import { mkdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { PACKAGE_ROOT } from "../core/package-root.ts";
import { runInTransaction, type Database, type Queryable } from "./database.ts";
import { JsonBytes } from "./json-param.ts";

// Embedded PostgreSQL (PGlite, WASM), in a thread of its own (pglite-thread.js): its statements
// run beside this thread's work instead of stopping it. A first ingest normalizes a page
// while the one before is written, as it does on a PostgreSQL server.

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: Record<string, unknown> & { name: string; message: string };
}

/** A failed statement as the thread described it: its message, and its SQLSTATE as `code` (as pg's errors carry it). */
function rebuiltError(fields: NonNullable<Reply["error"]>): Error {
  const { name, message, ...rest } = fields;
  const err = Object.assign(new Error(message), rest);
  err.name = name;
  return err;
}

/** A parameter as it crosses to the thread: a JsonBytes as its bytes, tagged; the rest as it is. */
const wireParam = (value: unknown) => (value instanceof JsonBytes ? { jsonbBinary: value.binary } : value);

interface Artifacts {
  pgliteWasmModule: WebAssembly.Module;
  initdbWasmModule: WebAssembly.Module;
  fsBundle: Blob;
}
let artifacts: Promise<Artifacts> | null = null;
// (Node's WebAssembly global, which the type declarations know as a namespace of types only.)
const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WebAssembly.Module> } }).WebAssembly;

/**
 * PGlite's WebAssembly compiled, and its file-system bundle read, once per process: a thread
 * would otherwise compile nine megabytes of it again at every open (half a second each).
 */
function pgliteArtifacts(): Promise<Artifacts> {
  artifacts ??= (async () => {
    const dist = path.dirname(createRequire(import.meta.url).resolve("@electric-sql/pglite"));
    const [pglite, initdb, bundle] = await Promise.all(["pglite.wasm", "initdb.wasm", "pglite.data"].map((f) => readFile(path.join(dist, f))));
    return {
      pgliteWasmModule: await wasm.compile(pglite!),
      initdbWasmModule: await wasm.compile(initdb!),
      fsBundle: new Blob([bundle!]),
    };
  })();
  artifacts.catch(() => (artifacts = null));
  return artifacts;
}

/** Embedded PostgreSQL (WASM) persisted under `<dataDir>/pgdata`. `memory://` keeps it in memory. */
export async function openPglite(dataDir: string): Promise<Database> {
  let location = dataDir;
  if (!dataDir.startsWith("memory://")) {
    location = path.resolve(dataDir, "pgdata");
    mkdirSync(location, { recursive: true });
  }
  const worker = new Worker(path.join(PACKAGE_ROOT, "src/db/pglite-thread.js"), { workerData: { location, ...(await pgliteArtifacts()) } });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  let nextId = 1;
  let ended: Error | null = null;

  let onFirst: (message: { ready?: boolean; error?: Reply["error"] }) => void = () => {};
  let onOpenError: (err: Error) => void = () => {};
  let onOpenExit: (code: number) => void = () => {};
  const opening = new Promise<void>((resolve, reject) => {
    onFirst = (message) =>
      message.ready ? resolve() : reject(rebuiltError(message.error ?? { name: "Error", message: "the embedded database did not open" }));
    onOpenError = reject;
    onOpenExit = (code) => reject(new Error(`the embedded database's thread ended while opening (exit code ${code})`));
  });
  worker.once("message", onFirst).once("error", onOpenError).once("exit", onOpenExit);
  try {
    await opening;
  } catch (err) {
    await worker.terminate();
    throw err;
  } finally {
    worker.off("message", onFirst).off("error", onOpenError).off("exit", onOpenExit);
  }
  // Idle, the thread does not keep the process alive (PGlite on this thread did not either);
  // while a statement is out, it does.
  worker.unref();

  worker.on("message", (reply: Reply) => {
    const waiting = pending.get(reply.id);
    if (!waiting) return;
    pending.delete(reply.id);
    if (pending.size === 0) worker.unref();
    if (reply.ok) waiting.resolve(reply.result);
    else waiting.reject(rebuiltError(reply.error!));
  });
  const end = (err: Error) => {
    ended ??= err;
    for (const waiting of pending.values()) waiting.reject(err);
    pending.clear();
  };
  worker.on("error", (err) => end(new Error(`the embedded database's thread failed: ${err.message}`)));
  worker.on("exit", (code) => end(new Error(`the embedded database's thread ended (exit code ${code})`)));

  const call = (op: "query" | "exec" | "close", sql?: string, params?: readonly unknown[]): Promise<unknown> => {
    if (ended) return Promise.reject(ended);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      if (pending.size === 0) worker.ref();
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, op, sql, params: params?.map(wireParam) });
    });
  };

  // PGlite runs one statement at a time; a transaction holds it exclusively, so queries
  // from outside the transaction wait in this chain instead of interleaving with it.
  let chain: Promise<unknown> = Promise.resolve();
  const serialize = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn, fn);
    chain = next.catch(() => {});
    return next;
  };
  const direct: Queryable = {
    query: async <T>(sql: string, params?: readonly unknown[]) => (await call("query", sql, params)) as T[],
    exec: async (sql) => void (await call("exec", sql)),
  };
  return {
    engine: "pglite",
    query: (sql, params) => serialize(() => direct.query(sql, params)),
    exec: (sql) => serialize(() => direct.exec(sql)),
    transaction: (fn) => serialize(() => runInTransaction(direct, fn)),
    close: () =>
      serialize(async () => {
        if (ended) return;
        await call("close");
        end(new Error("the embedded database is closed"));
        await worker.terminate();
      }),
  };
}
