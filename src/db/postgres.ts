import pg from "pg";
import { redactSecrets } from "../core/secrets.ts";
import { runInTransaction, type Database, type Queryable } from "./database.ts";
import { asPgParam } from "./json-param.ts";

// numeric (1700) and int8 (20) arrive as strings from pg; money and counts are read as
// JS numbers everywhere (prices stay far below 2^53), matching PGlite.
pg.types.setTypeParser(1700, (v) => Number(v));
pg.types.setTypeParser(20, (v) => Number(v));

export async function openPostgres(url: string, options: { max?: number } = {}): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, connectionTimeoutMillis: 10_000 });
  // An idle client that loses its server must not crash the process; the next query fails instead.
  pool.on("error", () => {});
  const run = async <T>(client: pg.Pool | pg.PoolClient, sql: string, params?: readonly unknown[]) => {
    try {
      const result = await client.query(sql, params?.map(asPgParam));
      return result.rows as T[];
    } catch (err) {
      if (err instanceof Error) err.message = redactSecrets(err.message);
      throw err;
    }
  };
  return {
    engine: "postgres",
    query: (sql, params) => run(pool, sql, params),
    exec: async (sql) => void (await run(pool, sql)),
    async transaction(fn) {
      const client = await pool.connect();
      // A checked-out client whose server connection dies (pg_terminate_backend, a failover,
      // a network cut) between queries emits "error" with no pool listener attached: unheard,
      // that crashes the process. Heard, the transaction's next query fails (transient, retried)
      // and the client is discarded on release instead of going back to the pool.
      let broken: Error | undefined;
      const onError = (err: Error) => {
        broken = err;
      };
      client.on("error", onError);
      const tx: Queryable = {
        query: (sql, params) => run(client, sql, params),
        exec: async (sql) => void (await run(client, sql)),
      };
      try {
        return await runInTransaction(tx, fn);
      } finally {
        client.off("error", onError);
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
