import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { until } from "../helpers/until.ts";
import { freePort } from "./network.ts";

/** A redis-server of the test's own (no persistence) on a free port, so the shared one is never disturbed. */
export interface OwnRedis {
  url: string;
  port: number;
  /** kill -9: every key is gone. */
  kill(): Promise<void>;
  start(): Promise<void>;
}

export async function startOwnRedis(extraArgs: string[] = []): Promise<OwnRedis> {
  const port = await freePort();
  let proc: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const start = async () => {
    proc = spawn(
      "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
        ...extraArgs,
      ],
      {
        stdio: "ignore",
      },
    );
    exited = new Promise((resolve) => proc!.on("exit", () => resolve()));
    await until(() => ping(port), 10_000, `redis-server on ${port}`);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async kill() {
      proc?.kill("SIGKILL");
      await exited;
    },
    start,
  };
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.setTimeout(500);
    s.on("connect", () => s.write("PING\r\n"));
    s.on("data", (d) => {
      // A server with requirepass answers NOAUTH: it is up all the same.
      resolve(/^(\+PONG|-NOAUTH)/.test(d.toString()));
      s.destroy();
    });
    s.on("error", () => resolve(false));
    s.on("timeout", () => {
      resolve(false);
      s.destroy();
    });
  });
}
