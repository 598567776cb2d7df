import type { ChildProcess } from "node:child_process";
import type { Server, Socket } from "node:net";

// What keeps this process alive: servers, sockets, timers, child processes, as Node counts
// them (process.getActiveResourcesInfo(), only what is ref'd). A test file that ends with
// more of them than it started with left something open. Closing is often asynchronous (a
// socket's close, a child's exit), so leftovers are given a moment to go before they count.
// Node counts pending timers once per distinct duration, not once per timer: a leaked timer
// whose duration another live timer shares (vitest's own RPC uses 60 s) is not seen.

export type ResourceCounts = Map<string, number>;

export function activeResources(): ResourceCounts {
  const counts: ResourceCounts = new Map();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

/** Resource types with more instances now than in `baseline`, e.g. ["TCPServerWrap ×1"]. */
export function resourcesAbove(baseline: ResourceCounts, now = activeResources()): string[] {
  const above: string[] = [];
  for (const [type, count] of now) {
    const extra = count - (baseline.get(type) ?? 0);
    if (extra > 0) above.push(`${type} ×${extra}`);
  }
  return above.sort();
}

/**
 * What is still open beyond `baseline` after waiting up to `graceMs` for it to close, each
 * with what can be told about it (a server's address, a socket's peer, a child's command).
 * Empty when nothing was left open.
 */
export async function openHandlesLeft(baseline: ResourceCounts, graceMs = 2000): Promise<string[]> {
  const deadline = Date.now() + graceMs;
  let above = resourcesAbove(baseline);
  while (above.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    above = resourcesAbove(baseline);
  }
  return above.length === 0 ? [] : [...above, ...describeHandles()];
}

/**
 * A line per server, socket and child process open now. Node lists the objects behind the
 * counts only through the undocumented process._getActiveHandles(); it serves the message,
 * never the verdict.
 */
function describeHandles(): string[] {
  const handles = (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles?.() ?? [];
  const lines: string[] = [];
  for (const h of handles) {
    const name = (h as object).constructor?.name;
    if (name === "Server") {
      const address = (h as Server).address();
      lines.push(`  server listening on ${typeof address === "string" ? address : `${address?.address}:${address?.port}`}`);
    } else if (name === "Socket") {
      const s = h as Socket;
      if (s.remotePort !== undefined) lines.push(`  socket ${s.localAddress}:${s.localPort} → ${s.remoteAddress}:${s.remotePort}`);
    } else if (name === "ChildProcess") {
      const c = h as ChildProcess;
      lines.push(`  child process ${c.pid}: ${c.spawnargs.join(" ")}`);
    }
  }
  return lines;
}
