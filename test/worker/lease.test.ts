import { describe, expect, it } from "vitest";
import { importRoasters } from "../../src/app/import-roasters.ts";
import { validateRoasterList } from "../../src/config/roaster-file.ts";
import { findRoaster } from "../../src/db/roasters.ts";
import { silentLogger } from "../../src/core/logger.ts";
import { readLease, releaseLease, renewLease, tryAcquireLease } from "../../src/db/leases.ts";
import { holdLease, RoasterBusyError } from "../../src/worker/lease.ts";
import { testEngines, useTestDatabase } from "../helpers/database.ts";
import { sleep, until } from "../helpers/until.ts";

describe.each(testEngines())("roaster lease on %s", (engine) => {
  const testDb = useTestDatabase(engine);
  let n = 0;
  async function roaster(): Promise<string> {
    const slug = `lease-${++n}`;
    const { db } = testDb();
    await importRoasters(db, validateRoasterList("test", [{ slug, name: slug, website: `https://${slug}.example` }]));
    return (await findRoaster(db, slug))!.id;
  }

  it("is taken when free, refused while held, and free again once released", async () => {
    const { db } = testDb();
    const roasterId = await roaster();
    const a = { roasterId, holder: "host-a:1:aa", jobId: "full_refresh.x.1", ttlMs: 60_000 };
    const b = { roasterId, holder: "host-b:2:bb", jobId: "price_only.x.1", ttlMs: 60_000 };
    expect(await tryAcquireLease(db, a)).toBe(true);
    expect(await tryAcquireLease(db, b)).toBe(false);
    expect(await tryAcquireLease(db, a)).toBe(false); // not re-entrant: the same job handed out twice waits
    expect(await renewLease(db, b)).toBe(false);
    await releaseLease(db, b); // not b's to release
    expect((await readLease(db, roasterId))?.holder).toBe(a.holder);
    await releaseLease(db, a);
    expect(await readLease(db, roasterId)).toBeNull();
    expect(await tryAcquireLease(db, b)).toBe(true);
  });

  it("expires when its holder stops renewing, and lasts while it renews", async () => {
    const { db } = testDb();
    const roasterId = await roaster();
    const dead = { roasterId, holder: "dead:1:00", jobId: "j1", ttlMs: 300 };
    const other = { roasterId, holder: "live:2:11", jobId: "j2", ttlMs: 300 };
    expect(await tryAcquireLease(db, dead)).toBe(true);
    await sleep(150);
    expect(await renewLease(db, dead)).toBe(true);
    await sleep(200); // 350 ms after taking it, 200 after renewing: still held
    expect(await tryAcquireLease(db, other)).toBe(false);
    await sleep(200);
    expect(await tryAcquireLease(db, other)).toBe(true);
    expect((await readLease(db, roasterId))?.holder).toBe(other.holder);
  });

  it("holdLease renews in the background and releases; a busy roaster throws RoasterBusyError", async () => {
    const { db } = testDb();
    const roasterId = await roaster();
    const log = silentLogger();
    const held = await holdLease(db, { roasterId, roaster: "r", holder: "h:1:aa", jobId: "j1", ttlMs: 300, log });
    await expect(
      holdLease(db, { roasterId, roaster: "r", holder: "h:2:bb", jobId: "j2", ttlMs: 300, log }),
    ).rejects.toMatchObject({ name: "RoasterBusyError", heldBy: { holder: "h:1:aa", jobId: "j1" } });
    await sleep(900); // three TTLs: only renewal keeps it
    expect(held.lost.aborted).toBe(false);
    await expect(holdLease(db, { roasterId, roaster: "r", holder: "h:2:bb", jobId: "j2", ttlMs: 300, log })).rejects.toBeInstanceOf(
      RoasterBusyError,
    );
    await held.release();
    expect(await readLease(db, roasterId)).toBeNull();
  });

  it("signals `lost` when another holder has taken the lease", async () => {
    const { db } = testDb();
    const roasterId = await roaster();
    const held = await holdLease(db, { roasterId, roaster: "r", holder: "h:1:aa", jobId: "j1", ttlMs: 300, log: silentLogger() });
    await db.query(`UPDATE coffee_scraper.roaster_leases SET holder = 'thief', job_id = 'other' WHERE roaster_id = $1`, [roasterId]);
    await until(() => held.lost.aborted, 2000, "the lease to signal `lost`");
    expect(held.lost.aborted).toBe(true);
    await held.release();
    expect((await readLease(db, roasterId))?.holder).toBe("thief");
  });
});
