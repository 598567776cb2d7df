import type { Deps } from "../../src/app/deps.ts";
import { accessPolicy } from "../../src/dashboard/access.ts";
import { createDashboardApp } from "../../src/dashboard/app.ts";
import type { Logger } from "../../src/core/logger.ts";
import { createMetrics } from "../../src/metrics/metrics.ts";
import { openQueue } from "../../src/queue/open-queue.ts";
import { collectStatus, type Status } from "../../src/worker/status.ts";

/** What `status` collects and the dashboard serves at `paths` (loopback, no credentials), with the embedded queue. */
export async function statusAndPages(deps: Deps, log: Logger, paths: string[]): Promise<{ status: Status; pages: string[] }> {
  const queue = await openQueue({ ...deps.settings, REDIS_URL: undefined }, log);
  try {
    const status = await collectStatus({ db: deps.db, queue });
    const dashboard = await createDashboardApp({ ...deps, queue, metrics: createMetrics() }, accessPolicy(deps.settings));
    try {
      const pages = [];
      for (const p of paths) pages.push(await (await dashboard.app.request(`http://127.0.0.1${p}`, { headers: { host: "127.0.0.1" } })).text());
      return { status, pages };
    } finally {
      await dashboard.close();
    }
  } finally {
    await queue.close();
  }
}
