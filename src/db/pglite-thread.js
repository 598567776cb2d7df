// The embedded database's own thread. PGlite (PostgreSQL compiled to WebAssembly) runs each
// statement synchronously: on the main thread, a page write (a quarter of a second and more)
// would stop everything else the process does — normalizing the next page, timers, the
// dashboard, health checks. Here it runs beside them. Plain JavaScript: Node loads a worker
// thread itself, without the TypeScript loader the main thread was started with.
//
// Messages from src/db/pglite.ts, handled one at a time in the order they came:
//   { id, op: "query", sql, params } → { id, ok: true, result: rows }
//   { id, op: "exec", sql }          → { id, ok: true }
//   { id, op: "close" }              → { id, ok: true }
// and { id, ok: false, error } when a statement fails (the error's message, SQLSTATE and the
// rest of its fields). First of all, { ready: true } once the database is open, or
// { ready: false, error } when it cannot be.
import { Buffer } from "node:buffer";
import { parentPort, workerData } from "node:worker_threads";
import { PGlite, types } from "@electric-sql/pglite";

const parsers = { [types.NUMERIC]: (v) => Number(v), [types.INT8]: (v) => Number(v) };
const jsonbText = types.serializers[types.JSONB];
// A jsonb parameter the main thread sent as bytes ({ jsonbBinary }, see json-param.ts):
// jsonb's binary input format, passed on as it is (a Buffer is what PGlite sends as binary).
const serializers = {
  [types.JSONB]: (value) =>
    value !== null && typeof value === "object" && value.jsonbBinary instanceof Uint8Array
      ? Buffer.from(value.jsonbBinary.buffer, value.jsonbBinary.byteOffset, value.jsonbBinary.byteLength)
      : jsonbText(value),
};

/** What crosses back of an error: its name, message and every plain field (code, detail, …). */
function errorFields(err) {
  const fields = { name: err?.name ?? "Error", message: err?.message ?? String(err) };
  if (err !== null && typeof err === "object") {
    for (const [key, value] of Object.entries(err)) {
      if (value === null || ["string", "number", "boolean"].includes(typeof value)) fields[key] = value;
    }
  }
  return fields;
}

let db;
try {
  const { location, pgliteWasmModule, initdbWasmModule, fsBundle } = workerData;
  db = await PGlite.create(location, { parsers, pgliteWasmModule, initdbWasmModule, fsBundle });
  parentPort.postMessage({ ready: true });
} catch (err) {
  parentPort.postMessage({ ready: false, error: errorFields(err) });
}

async function handle({ id, op, sql, params }) {
  try {
    let result;
    if (op === "query") result = (await db.query(sql, params, { serializers })).rows;
    else if (op === "exec") await db.exec(sql);
    else if (op === "close") await db.close();
    else throw new Error(`unknown operation ${op}`);
    parentPort.postMessage({ id, ok: true, result });
  } catch (err) {
    parentPort.postMessage({ id, ok: false, error: errorFields(err) });
  }
}

if (db) {
  let turn = Promise.resolve();
  parentPort.on("message", (message) => {
    turn = turn.then(() => handle(message));
  });
}
