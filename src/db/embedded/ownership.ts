import { createHash, randomBytes } from "node:crypto";
import { closeSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, sleep } from "../../core/timers.ts";

// Exactly one process owns an embedded (PGlite) data directory: PGlite opened twice on one
// directory loses writes without a word. Ownership is a listening Unix socket: binding it
// is exclusive, and the operating system stops it listening when the owner dies, however
// it dies. A socket file left by a dead owner refuses connections; it is recognised as
// stale, removed (with a log line naming the dead PID) and claimed again.
//
// Removing a stale socket is the one step that is not exclusive by itself: two processes that
// both found it stale could each remove it, and the slower one would remove the socket the
// faster one had just bound, and both would own the directory. So removal is serialised by a
// lock file created with O_EXCL whose name is the stale socket's identity (inode and change
// time): of all processes that saw that socket stale, exactly one creates the lock and may
// remove it, and only while the path still holds that same socket. The others go round again
// and find the new owner. A lock named after one dead socket never needs recovering itself:
// no later socket has its name. And an owner's socket only ever appears under its name
// already listening (see listenAs): a socket that refuses connections is a dead one.

export interface OwnerInfo {
  pid: number;
  command: string;
  startedAt: string;
}

export type Claim =
  | { kind: "owner"; server: Server; socketPath: string; release(): Promise<void> }
  | { kind: "taken"; owner: OwnerInfo | null; socketPath: string };

export class OwnerSocketDirError extends Error {
  constructor(dir: string, problem: string) {
    super(
      `The embedded database's owner socket cannot go in ${dir}: ${problem}. ` +
        "Another local user may be trying to intercept it; remove that directory, or use a shorter DATA_DIR (the socket then lives inside it).",
    );
    this.name = "OwnerSocketDirError";
  }
}

/**
 * Unix socket paths are limited to ~100 bytes; a long DATA_DIR has its socket in a directory
 * of this user's own under the temp dir (mode 0700, checked), where no other user can put
 * one in its place or connect to it.
 */
export function ownerSocketPath(dataDir: string): string {
  const resolved = path.resolve(dataDir);
  const inside = path.join(resolved, "owner.sock");
  if (Buffer.byteLength(inside) < 100) return inside;
  const hash = createHash("sha256").update(resolved).digest("hex").slice(0, 16);
  return path.join(privateSocketDir(), `${hash}.sock`);
}

function privateSocketDir(): string {
  const uid = process.getuid?.() ?? 0;
  const dir = path.join(tmpdir(), `coffee-scraper-${uid}`);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  const info = lstatSync(dir);
  if (!info.isDirectory()) throw new OwnerSocketDirError(dir, "it is not a directory");
  if (info.uid !== uid) throw new OwnerSocketDirError(dir, `it belongs to another user (uid ${info.uid})`);
  if ((info.mode & 0o077) !== 0) throw new OwnerSocketDirError(dir, `others may use it (mode ${(info.mode & 0o777).toString(8)}, 700 expected)`);
  return dir;
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

/**
 * Listens on a socket of a name of its own, then gives it the owner socket's name with
 * link(), which fails if that name exists (as bind would). So the owner socket is never seen
 * bound but not yet listening, which another process would take for a dead owner's.
 * Null when the name is taken.
 */
async function listenAs(socketPath: string): Promise<{ server: Server; identity: string } | null> {
  const staging = path.join(path.dirname(socketPath), `.${randomBytes(4).toString("hex")}.s`);
  const server = await listen(staging);
  try {
    linkSync(staging, socketPath);
  } catch (err) {
    await new Promise<void>((resolve) => server.close(() => resolve())); // removes the staging name
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return null;
    throw err;
  } finally {
    rmSync(staging, { force: true });
  }
  return { server, identity: socketIdentity(socketPath)! };
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
    const timer = after(timeoutMs, () => done(true)); // a hung owner is still an owner
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

const CLAIM_ATTEMPTS = 50;

export async function claimDataDir(
  dataDir: string,
  command: string,
  onStaleRecovered: (dead: OwnerInfo | null) => void,
): Promise<Claim> {
  mkdirSync(path.resolve(dataDir), { recursive: true });
  const socketPath = ownerSocketPath(dataDir);
  // Bounded: each round either claims, finds a live owner, or saw another process recover the
  // stale socket (whose new owner the next round finds).
  for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt += 1) {
    const listening = await listenAs(socketPath);
    if (listening) {
      const { server, identity } = listening;
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
          // The socket file and the owner file go, if they are still ours.
          if (socketIdentity(socketPath) === identity) rmSync(socketPath, { force: true });
          const current = readOwnerInfo(dataDir);
          if (current?.pid === process.pid) rmSync(ownerFile(dataDir), { force: true });
        },
      };
    }
    const stale = socketIdentity(socketPath);
    if (await answers(socketPath)) return { kind: "taken", owner: readOwnerInfo(dataDir), socketPath };
    const dead = readOwnerInfo(dataDir);
    if (dead && dead.pid !== process.pid && isAlive(dead.pid) && (await answers(socketPath))) {
      return { kind: "taken", owner: dead, socketPath };
    }
    if (stale && removeStaleSocket(socketPath, stale)) onStaleRecovered(dead);
    else await sleep(10 + Math.random() * 40);
  }
  throw new Error(`could not claim ${dataDir}: its owner socket ${socketPath} keeps reappearing`);
}

/** A socket file's identity: its inode and change time (an inode number alone is reused). */
function socketIdentity(socketPath: string): string | null {
  try {
    const info = statSync(socketPath, { bigint: true });
    return `${info.ino}-${info.ctimeNs}`;
  } catch {
    return null;
  }
}

/**
 * Removes the stale socket `identity` if this process is the one allowed to: the first to
 * create its lock file. True when it removed it.
 */
function removeStaleSocket(socketPath: string, identity: string): boolean {
  const lock = `${socketPath}.${identity}.recovering`;
  let fd: number;
  try {
    fd = openSync(lock, "wx", 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false; // another process recovers it
    throw err;
  }
  try {
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    // Only while the path is still that socket: if it is gone or new, someone claimed it.
    if (socketIdentity(socketPath) !== identity) return false;
    rmSync(socketPath, { force: true });
    return true;
  } finally {
    // Safe to remove: a process that creates it again finds the path no longer that socket.
    rmSync(lock, { force: true });
  }
}

/** The live owner of `dataDir`, if a process holds it (its socket answers). */
export async function liveOwner(dataDir: string): Promise<OwnerInfo | null> {
  const socketPath = ownerSocketPath(dataDir);
  if (!(await answers(socketPath))) return null;
  return readOwnerInfo(dataDir) ?? { pid: 0, command: "unknown", startedAt: "" };
}
