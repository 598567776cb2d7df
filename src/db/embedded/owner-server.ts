import type { Server, Socket } from "node:net";
import type { Database, Queryable } from "../database.ts";
import type { OwnerInfo } from "./ownership.ts";
import { encode, lineReader, type Request, type Response } from "./protocol.ts";
import { after } from "../../core/timers.ts";

// The owner of an embedded database answers other processes' queries over its socket.
// Every request runs through the owner's own Database, whose single chain of work keeps a
// remote statement from ever landing inside one of the owner's transactions (or the other
// way round). A remote transaction holds that chain until it commits, rolls back, its
// connection drops, or it exceeds its time limit.

/** Extra operations an owner can offer (the embedded queue lives in the owner's process). */
export type OwnerOperations = Record<string, (args: Record<string, unknown>) => Promise<unknown>>;

export interface OwnerServer {
  /** Adds operations (e.g. the embedded queue's) once they exist. */
  provide(operations: OwnerOperations): void;
  close(): Promise<void>;
}

const REMOTE_TRANSACTION_LIMIT_MS = 30_000;

export function serveOwner(server: Server, ready: Promise<Database>, info: OwnerInfo): OwnerServer {
  const operations: OwnerOperations = {};
  const sockets = new Set<Socket>();

  server.on("connection", (socket) => {
    sockets.add(socket);
    let transaction: RemoteTransaction | null = null;
    const send = (response: Response) => {
      if (!socket.destroyed) socket.write(encode(response));
    };
    let chain: Promise<void> = Promise.resolve();
    const handle = async (request: Request) => {
      try {
        const result = await dispatch(request);
        send({ id: request.id, ok: true, result });
      } catch (err) {
        const error = err as Error & { code?: string };
        send({ id: request.id, ok: false, error: { message: error.message, ...(error.code ? { code: String(error.code) } : {}) } });
      }
    };
    const dispatch = async (request: Request): Promise<unknown> => {
      const db = await ready;
      const target: Queryable = transaction ? transaction.tx : db;
      switch (request.op) {
        case "hello":
          return info;
        case "query":
          return target.query(String(request.sql), (request.params as unknown[] | undefined) ?? []);
        case "exec":
          return target.exec(String(request.sql));
        case "begin":
          if (transaction) throw new Error("a transaction is already open on this connection");
          transaction = await beginRemoteTransaction(db, REMOTE_TRANSACTION_LIMIT_MS);
          return null;
        case "commit":
        case "rollback": {
          if (!transaction) throw new Error(`no transaction to ${request.op}`);
          const open = transaction;
          transaction = null;
          return open.end(request.op === "commit");
        }
        default: {
          const operation = operations[request.op];
          if (!operation) throw new Error(`unknown operation ${request.op}`);
          return operation(request);
        }
      }
    };
    // Requests of one connection are answered in order.
    socket.on(
      "data",
      lineReader<Request>((request) => {
        chain = chain.then(() => handle(request));
      }),
    );
    socket.on("error", () => {});
    socket.on("close", () => {
      sockets.delete(socket);
      void chain.then(() => transaction?.end(false).catch(() => {}));
    });
  });

  return {
    provide(more) {
      Object.assign(operations, more);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
    },
  };
}

interface RemoteTransaction {
  tx: Queryable;
  end(commit: boolean): Promise<void>;
}

/** Opens a transaction on the owner's database that stays open until `end` (or the limit). */
function beginRemoteTransaction(db: Database, limitMs: number): Promise<RemoteTransaction> {
  return new Promise((resolveBegin, rejectBegin) => {
    let finish!: (commit: boolean) => void;
    const decided = new Promise<boolean>((resolve) => (finish = resolve));
    const timer = after(limitMs, () => finish(false));
    const done = db
      .transaction(async (tx) => {
        resolveBegin({
          tx,
          async end(commit) {
            finish(commit);
            await done;
          },
        });
        if (!(await decided)) throw new RollbackRequested();
      })
      .catch((err: unknown) => {
        if (!(err instanceof RollbackRequested)) throw err;
      })
      .finally(() => clearTimeout(timer));
    done.catch(rejectBegin);
  });
}

class RollbackRequested extends Error {}
