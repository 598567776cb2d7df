import { text } from "node:stream/consumers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDashboard } from "../../src/dashboard/server.ts";
import { UNLISTING_HOLD } from "../../src/pipeline/persist.ts";
import { openQueue } from "../../src/queue/open-queue.ts";
import { collectStatus, formatStatus } from "../../src/worker/status.ts";
import { seedSettings } from "../dashboard/seed.ts";
import { testEngines, useTestDatabase } from "../helpers/database.ts";
import { startTestServer, type TestServer } from "../helpers/http.ts";
import { useStoreRoaster } from "../helpers/store-roaster.ts";

// A full refresh marks the coffees its store no longer lists as discontinued — a few at once
// as they go, but most of a roaster's coffees vanishing in one run is held back (a listing cut
// short is more often the store's fault) until the next full refresh confirms it. A coffee
// that comes back is active again, even when its listing is as it was. A hold is told to the
// alert webhook.

describe.each(testEngines())("coffees missing from the store's listing, on %s", (engine) => {
  const database = useTestDatabase(engine);
  // The alert webhook: a local server keeping what it is sent (its address known once started,
  // before the roaster's settings are read).
  const env: Record<string, string> = {};
  const posted: Record<string, unknown>[] = [];
  let webhook: TestServer;
  beforeAll(async () => {
    webhook = await startTestServer(async (req, res) => {
      posted.push(JSON.parse(await text(req)) as Record<string, unknown>);
      res.end();
    });
    env.ALERT_WEBHOOK_URL = `${webhook.url}/hooks/alerts`;
  });
  afterAll(() => webhook.close());
  const roaster = useStoreRoaster(database, { slug: "vanishing", store: { platform: "shopify", products: 40, etag: false }, env });

  const coffees = async () =>
    new Map(
      (
        await database().db.query<{ id: string; status: string }>(
          `SELECT c.platform_product_id AS id, c.status::text AS status FROM public.coffees c
             JOIN public.roasters r ON r.id = c.roaster_id WHERE r.slug = 'vanishing'`,
        )
      ).map((r) => [r.id, r.status]),
    );
  const holds = async () =>
    (
      await database().db.query<{ missing: number; active: number }>(
        `SELECT h.missing, h.active FROM coffee_scraper.unlisting_holds h JOIN public.roasters r ON r.id = h.roaster_id WHERE r.slug = 'vanishing'`,
      )
    ).map((h) => ({ missing: Number(h.missing), active: Number(h.active) }));
  /** The store lists every product but those of `ids`. */
  const listWithout = (all: Record<string, unknown>[], ids: Set<string>) => {
    const store = roaster.store();
    store.products.splice(0, store.products.length, ...all.filter((p) => !ids.has(String(p.id))));
    store.changed();
  };
  const statuses = (map: Map<string, string>, ids: Iterable<string>) => [...new Set([...ids].map((id) => map.get(id)))];
  /** What `coffee-scraper status` says of the roaster. */
  const statusOf = async () => {
    const queue = await openQueue(seedSettings(), roaster.deps().log);
    try {
      const status = await collectStatus({ db: database().db, queue });
      return { text: formatStatus(status), hold: status.roasters.find((r) => r.roaster === "vanishing")!.unlistingHold };
    } finally {
      await queue.close();
    }
  };
  /** The roaster's dashboard page, as served (on loopback, no sign-in). */
  const roasterPage = async () => {
    const settings = seedSettings();
    const queue = await openQueue(settings, roaster.deps().log);
    const dashboard = await startDashboard({ settings, db: database().db, queue, log: roaster.deps().log, clock: roaster.deps().clock, artifacts: roaster.deps().artifacts });
    try {
      const response = await fetch(`${dashboard.url}/roasters/vanishing`);
      expect(response.status).toBe(200);
      return await response.text();
    } finally {
      await dashboard.close();
      await queue.close();
    }
  };

  it("marks a few gone at once, holds back most gone at once until a second full refresh, and takes back what returns", async () => {
    const first = await roaster.run();
    expect(first.status).toBe("ok");
    const all = [...roaster.store().products];
    const coffeeIds = [...(await coffees()).keys()];
    expect(coffeeIds.length).toBeGreaterThanOrEqual(UNLISTING_HOLD.minMissing * 2);

    // Two gone: marked at once.
    const few = new Set(coffeeIds.slice(0, 2));
    listWithout(all, few);
    const second = await roaster.run();
    expect(second).toMatchObject({ marked_unlisted: 2, unlisting_held: 0 });
    expect(statuses(await coffees(), few)).toEqual(["discontinued"]);

    // Back as they were (the same listing): active again.
    listWithout(all, new Set());
    const third = await roaster.run();
    expect(third).toMatchObject({ marked_unlisted: 0, unlisting_held: 0 });
    expect(statuses(await coffees(), coffeeIds)).toEqual(["active"]);

    // Most gone at once: none marked, the hold recorded and said.
    const most = new Set(coffeeIds.slice(0, Math.floor(coffeeIds.length * 0.8)));
    listWithout(all, most);
    const held = await roaster.run();
    expect(held).toMatchObject({ status: "partial", marked_unlisted: 0, unlisting_held: most.size });
    expect(held.warnings.join("\n")).toMatch(new RegExp(`${most.size} of the roaster's ${coffeeIds.length} coffees are missing`));
    expect(statuses(await coffees(), coffeeIds)).toEqual(["active"]);
    expect(await holds()).toEqual([{ missing: most.size, active: coffeeIds.length }]);
    expect(posted.filter((p) => p.type === "unlisting_held")).toEqual([
      { type: "unlisting_held", roaster: "vanishing", run_id: expect.any(String), missing: most.size, active: coffeeIds.length },
    ]);
    expect(await roasterPage()).toMatch(new RegExp(`${most.size} of its ${coffeeIds.length} coffees vanished from the\\s+store's listing`));
    const status = await statusOf();
    expect(status.hold).toMatchObject({ missing: most.size, active: coffeeIds.length });
    expect(status.text).toContain(`${most.size} of its ${coffeeIds.length} coffees vanished from the listing at once`);

    // Still gone at the next full refresh: marked, the hold done.
    const confirmed = await roaster.run();
    expect(confirmed).toMatchObject({ status: "ok", marked_unlisted: most.size, unlisting_held: 0 });
    expect(confirmed.warnings.join("\n")).toMatch(/for a second full refresh: marked discontinued/);
    expect(statuses(await coffees(), most)).toEqual(["discontinued"]);
    expect(await holds()).toEqual([]);
    expect(posted.filter((p) => p.type === "unlisting_held")).toHaveLength(1);
    expect(await roasterPage()).not.toMatch(/unlisting-hold/);
    expect((await statusOf()).hold).toBeNull();

    // All back, then an empty listing: held; then all listed again: the hold lifted, nothing marked.
    listWithout(all, new Set());
    await roaster.run();
    listWithout(all, new Set(all.map((p) => String(p.id))));
    expect(await roaster.run()).toMatchObject({ marked_unlisted: 0, unlisting_held: coffeeIds.length });
    listWithout(all, new Set());
    expect(await roaster.run()).toMatchObject({ marked_unlisted: 0, unlisting_held: 0 });
    expect(await holds()).toEqual([]);
    expect(statuses(await coffees(), coffeeIds)).toEqual(["active"]);
  });

  it("takes back a coffee that returns at a price-only run, not only at the next full refresh", async () => {
    const all = [...roaster.store().products];
    const coffeeIds = [...(await coffees()).keys()];
    const gone = new Set(coffeeIds.slice(0, 2));
    /** Their variants' stock, as the database has it. */
    const stock = async () =>
      new Map(
        (
          await database().db.query<{ id: string; in_stock: boolean }>(
            `SELECT v.platform_variant_id AS id, v.in_stock FROM public.variants v JOIN public.coffees c ON c.id = v.coffee_id
              WHERE c.platform_product_id = ANY ($1)`,
            [[...gone]],
          )
        ).map((r) => [r.id, r.in_stock]),
      );
    const listed = await stock();
    expect([...listed.values()]).toContain(true);
    listWithout(all, gone);
    expect(await roaster.run()).toMatchObject({ marked_unlisted: 2 });
    expect(statuses(await coffees(), gone)).toEqual(["discontinued"]);
    expect(new Set((await stock()).values())).toEqual(new Set([false]));

    // Listed again, and the next run is the weekly price-only one: the store sells them again.
    listWithout(all, new Set());
    const price = await roaster.run({ type: "price_only" });
    expect(price.status).toBe("ok");
    expect(statuses(await coffees(), coffeeIds)).toEqual(["active"]);
    expect(await stock()).toEqual(listed);
    // And the full refresh after it finds them as written: nothing to rewrite.
    expect(await roaster.run()).toMatchObject({ marked_unlisted: 0, products_unchanged: all.length });
  });
});
