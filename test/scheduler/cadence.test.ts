import { describe, expect, it } from "vitest";
import { latestSlot, nextSlot, slotsAt } from "../../src/core/cadence.ts";

const DEFAULT_FULL = "0 3 1 * *";
const DEFAULT_PRICE = "0 4 * * 0";

describe("latestSlot: the latest fire time at or before now (UTC)", () => {
  it.each([
    [DEFAULT_FULL, "2026-12-01T03:20:00Z", "2026-12-01T03:00:00.000Z"],
    [DEFAULT_FULL, "2026-12-01T03:00:00Z", "2026-12-01T03:00:00.000Z"], // at the fire time itself
    [DEFAULT_FULL, "2026-12-01T02:59:59.999Z", "2026-11-01T03:00:00.000Z"],
    [DEFAULT_FULL, "2027-03-15T00:00:00Z", "2027-03-01T03:00:00.000Z"],
    [DEFAULT_PRICE, "2026-12-06T04:20:00Z", "2026-12-06T04:00:00.000Z"], // a Sunday
    [DEFAULT_PRICE, "2026-12-01T03:20:00Z", "2026-11-29T04:00:00.000Z"],
    ["*/30 * * * *", "2026-12-01T10:29:59Z", "2026-12-01T10:00:00.000Z"],
    ["*/30 * * * *", "2026-12-01T10:30:00.400Z", "2026-12-01T10:30:00.000Z"],
    ["17 * * * *", "2026-12-01T00:16:00Z", "2026-11-30T23:17:00.000Z"],
  ])("%s at %s → %s", (cron, at, slot) => {
    expect(latestSlot(cron, new Date(at))?.toISOString()).toBe(slot);
  });

  it("returns null for an expression cron-parser rejects", () => {
    expect(latestSlot("0 0 30 2 *", new Date("2026-12-01T00:00:00Z"))).toBeNull();
  });
});

describe("nextSlot: the first fire time strictly after now", () => {
  it.each([
    [DEFAULT_FULL, "2026-12-01T03:00:00Z", "2027-01-01T03:00:00.000Z"],
    [DEFAULT_PRICE, "2026-12-01T03:20:00Z", "2026-12-06T04:00:00.000Z"],
    ["*/30 * * * *", "2026-12-01T10:00:00Z", "2026-12-01T10:30:00.000Z"],
  ])("%s at %s → %s", (cron, at, slot) => {
    expect(nextSlot(cron, new Date(at))?.toISOString()).toBe(slot);
  });
});

describe("slotsAt", () => {
  it("gives the same answers as latestSlot, once per expression", () => {
    const at = new Date("2026-12-06T04:20:00Z");
    const slotOf = slotsAt(at);
    for (const cron of [DEFAULT_FULL, DEFAULT_PRICE, "*/30 * * * *", DEFAULT_FULL]) {
      expect(slotOf(cron)?.toISOString()).toBe(latestSlot(cron, at)?.toISOString());
    }
    expect(slotOf(DEFAULT_FULL)).toBe(slotOf(DEFAULT_FULL)); // memoised: the same Date object
  });
});
