import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

// Exactly one process owns an embedded (PGlite) data directory: PGlite opened twice on one
// directory loses writes without a word. Ownership is a listening Unix socket: binding it
// is exclusive, and the operating system stops it listening when the owner dies, however
// it dies. A socket file left by a dead owner refuses connections; it is recognised as
// stale, removed (with a log line naming the dead PID) and claimed again.

export interface OwnerInfo {
  pid: number;
  command: string;
  startedAt: string;
}

export type Claim =
  | { kind: "owner"; server: Server; socketPath: string; release(): Promise<void> }
  | { kind: "taken"; owner: OwnerInfo | null; socketPath: string };

/** Unix socket paths are limited to ~100 bytes; long data dirs get one in the temp dir. */
export function ownerSocketPath(dataDir: string): string {
  const resolved = path.resolve(dataDir);
  const inside = path.join(resolved, "owner.sock");
  if (Buffer.byteLength(inside) < 100) return inside;
  const hash = createHash("sha256").update(resolved).digest("hex").slice(0, 16);
  return path.join(tmpdir(), `coffee-scraper-${hash}.sock`);
}

const ownerFile = (dataDir: string) => path.join(path.resolve(dataDir), "owner.json");

export function readOwnerInfo(dataDir: string): OwnerInfo | null {
  try {
    return JSON.parse(readFileSync(ownerFile(dataDir), "utf8")) as OwnerInfo;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function listen(socketPath: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(socketPath, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}

/** Resolves true when something accepts connections on the socket. */
export function answers(socketPath: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket: Socket = connect(socketPath);
    const done = (value: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => done(true), timeoutMs); // a hung owner is still an owner
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

export async function claimDataDir(
  dataDir: string,
  command: string,
  onStaleRecovered: (dead: OwnerInfo | null) => void,
): Promise<Claim> {
  mkdirSync(path.resolve(dataDir), { recursive: true });
  const socketPath = ownerSocketPath(dataDir);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const server = await listen(socketPath);
      const info: OwnerInfo = { pid: process.pid, command, startedAt: new Date().toISOString() };
      writeFileSync(ownerFile(dataDir), `${JSON.stringify(info)}\n`);
      let released = false;
      return {
        kind: "owner",
        server,
        socketPath,
        async release() {
          if (released) return;
          released = true;
          await new Promise<void>((resolve) => server.close(() => resolve()));
          // server.close() removes the socket file; the owner file goes with it.
          const current = readOwnerInfo(dataDir);
          if (current?.pid === process.pid) rmSync(ownerFile(dataDir), { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE") throw err;
    }
    if (await answers(socketPath)) return { kind: "taken", owner: readOwnerInfo(dataDir), socketPath };
    const dead = readOwnerInfo(dataDir);
    if (dead && dead.pid !== process.pid && isAlive(dead.pid) && (await answers(socketPath))) {
      return { kind: "taken", owner: dead, socketPath };
    }
    rmSync(socketPath, { force: true });
    onStaleRecovered(dead);
  }
  throw new Error(`could not claim ${dataDir}: its owner socket ${socketPath} keeps reappearing`);
}
