import { connect, type Socket } from "node:net";
import type { Database, Queryable } from "../database.ts";
import type { OwnerInfo } from "./ownership.ts";
import { encode, lineReader, type Response } from "./protocol.ts";

// A Database that is another process's embedded database, reached over its owner socket.

export interface RemoteDatabase extends Database {
  readonly owner: OwnerInfo;
  /** Calls one of the owner's extra operations (e.g. the embedded queue's). */
  call<T>(op: string, args?: Record<string, unknown>): Promise<T>;
}

export async function connectToOwner(socketPath: string): Promise<RemoteDatabase> {
  const socket: Socket = connect(socketPath);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  let nextId = 1;
  let closedError: Error | null = null;
  socket.on(
    "data",
    lineReader<Response>((response) => {
      const waiter = pending.get(response.id);
      if (!waiter) return;
      pending.delete(response.id);
      if (response.ok) waiter.resolve(response.result);
      else waiter.reject(Object.assign(new Error(response.error?.message ?? "owner error"), { code: response.error?.code }));
    }),
  );
  const failAll = (err: Error) => {
    closedError = err;
    for (const waiter of pending.values()) waiter.reject(err);
    pending.clear();
  };
  socket.on("error", (err) => failAll(err));
  socket.on("close", () => failAll(new Error("the embedded database's owner closed the connection")));

  const call = <T>(op: string, args: Record<string, unknown> = {}): Promise<T> => {
    if (closedError) return Promise.reject(closedError);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      socket.write(encode({ id, op, ...args }));
    });
  };
  const queryable: Queryable = {
    query: <T>(sql: string, params?: readonly unknown[]) => call<T[]>("query", { sql, params: params ?? [] }),
    exec: async (sql: string) => void (await call("exec", { sql })),
  };
  // One connection carries one transaction at a time; queries outside wait their turn.
  let lock: Promise<unknown> = Promise.resolve();
  const owner = await call<OwnerInfo>("hello");
  return {
    engine: "pglite",
    owner,
    call,
    query: (sql, params) => lock.then(() => queryable.query(sql, params)),
    exec: (sql) => lock.then(() => queryable.exec(sql)),
    transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const run = async () => {
        await call("begin");
        try {
          const result = await fn(queryable);
          await call("commit");
          return result;
        } catch (err) {
          await call("rollback").catch(() => {});
          throw err;
        }
      };
      const result = lock.then(run, run);
      lock = result.catch(() => {});
      return result;
    },
    async close() {
      socket.end();
      socket.destroy();
    },
  };
}

/** True for a database reached through another process that owns it. */
export function isRemoteDatabase(db: Database): db is RemoteDatabase {
  const candidate = db as Partial<RemoteDatabase>;
  return candidate.owner !== undefined && candidate.owner !== null && typeof candidate.call === "function";
}
