import { mkdirSync } from "node:fs";
import path from "node:path";
import { PGlite, types } from "@electric-sql/pglite";
import type { Database, Queryable } from "./database.ts";
import { pgliteJsonbSerializer } from "./json-param.ts";

const parsers = { [types.NUMERIC]: (v: string) => Number(v), [types.INT8]: (v: string) => Number(v) };
const serializers = { [types.JSONB]: pgliteJsonbSerializer(types.serializers[types.JSONB]!) };

/** Embedded PostgreSQL (WASM) persisted under `<dataDir>/pgdata`. `memory://` keeps it in memory. */
export async function openPglite(dataDir: string): Promise<Database> {
  let location = dataDir;
  if (!dataDir.startsWith("memory://")) {
    location = path.resolve(dataDir, "pgdata");
    mkdirSync(location, { recursive: true });
  }
  const db = await PGlite.create(location, { parsers });
  // PGlite runs one statement at a time; a transaction holds it exclusively, so queries
  // from outside the transaction wait in this chain instead of interleaving with it.
  let chain: Promise<unknown> = Promise.resolve();
  const serialize = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn, fn);
    chain = next.catch(() => {});
    return next;
  };
  const run = async <T>(q: Pick<PGlite, "query">, sql: string, params?: readonly unknown[]) =>
    (await q.query<T>(sql, params as unknown[] | undefined, { serializers })).rows;
  return {
    engine: "pglite",
    query: (sql, params) => serialize(() => run(db, sql, params)),
    exec: (sql) => serialize(async () => void (await db.exec(sql))),
    transaction: (fn) =>
      serialize(() =>
        db.transaction(async (t) => {
          const tx: Queryable = {
            query: (sql, params) => run(t, sql, params),
            exec: async (sql) => void (await t.exec(sql)),
          };
          return fn(tx);
        }),
      ),
    close: () => serialize(() => db.close()),
  };
}
