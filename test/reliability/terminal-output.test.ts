import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { terminalText } from "../../src/cli/terminal-text.ts";
import { CONTROLS_BUT_LAYOUT } from "../../src/core/control-characters.ts";
import { runCli } from "../helpers/cli.ts";
import { useTestDatabase } from "../helpers/database.ts";
import { insertRoasters, roasterRow } from "../helpers/roasters.ts";
import { startStoreServer, type StoreServer } from "../helpers/store-server.ts";

// Text a store or the database controls reaches the terminal through `scrape`, `status`,
// `roasters list`, `roasters next` and error messages. A hostile store's bytes (a title set,
// a clear screen, an OSC 52 clipboard write, 8-bit C1 controls) and a roaster row written by
// another tool must come out inert: no escape or control character but newline and tab.
// (No NUL here: PostgreSQL text cannot hold one; what a store's NUL does is another test's.)

const HOSTILE = "\u001b]0;pwned\u0007\u001b[2J\u001b]52;c;ZWNobyBwd25lZA==\u0007\u009b31m\u0090q\u009c\r\u0008\u007f";
const CONTROL = new RegExp(CONTROLS_BUT_LAYOUT.source);

const database = useTestDatabase("pglite", { shareWithChildren: true });
let store: StoreServer;

beforeAll(async () => {
  store = await startStoreServer({ platform: "shopify" });
  const product = store.products.find((p) => /coffee/i.test(String(p.product_type))) as { title: string; variants: { price: string }[] };
  product.title = `Hostile ${HOSTILE} Coffee 250g`;
  // No digit in it: the price parser must find nothing usable, so the text lands in the run's errors.
  product.variants[0]!.price = "free\u001b]0;pwned\u0007\u001b[J\u009bm\u0090q\u009c";
  store.changed();
  await database().withDb((db) =>
    insertRoasters(db, [
      roasterRow({ slug: "hostile-store", name: "Hostile store", website: store.url }),
      // As another tool could have written it into the users' roasters table: our validation never saw it.
      roasterRow({ slug: "hostile-row", name: `Row ${HOSTILE}`, website: `https://row.example/${HOSTILE}`, is_active: false }),
    ]),
  );
});
afterAll(() => store?.close());

const env = () => ({ DATA_DIR: database().dataDir, ALLOW_PRIVATE_NETWORKS: "true", HTTP_DELAY_MS: "0", HTTP_JITTER_MS: "0" });

describe("CLI output of store-controlled text", () => {
  it("scrape (JSON), status, roasters list and next print no escape or control character", async () => {
    const scrape = await runCli(["scrape", "hostile-store"], env());
    expect(scrape.code, scrape.stderr).toBe(0);
    const summary = JSON.parse(scrape.stdout) as { status: string; stats: { errors: { message: string }[] } };
    // The hostile price reached the run's errors, and still reads back losslessly from the JSON…
    expect(summary.status, scrape.stdout.slice(0, 3000)).toBe("partial");
    expect(summary.stats.errors.some((e) => e.message.includes("\u009bm"))).toBe(true);
    // …but not one raw control character reached the terminal.
    expect(scrape.stdout).not.toMatch(CONTROL);

    for (const args of [["status"], ["roasters", "list"], ["roasters", "next"], ["status", "--json"], ["roasters", "list", "--json"]]) {
      const r = await runCli(args, env());
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
      expect(r.stdout, args.join(" ")).not.toMatch(CONTROL);
      expect(r.stderr, args.join(" ")).not.toMatch(CONTROL);
    }
    const list = await runCli(["roasters", "list"], env());
    expect(list.stdout).toContain("https://row.example/");
    expect(list.stdout).not.toContain("]52;");
  }, 120_000);

  it("error messages that quote the input are cleaned too", async () => {
    const r = await runCli(["replay", `not-a-run${HOSTILE}`], env());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not a run id/);
    expect(r.stderr).not.toMatch(CONTROL);
  });

  it("the helper drops whole escape sequences and keeps newlines and tabs", () => {
    expect(terminalText(`a${HOSTILE}b\n\tc`)).toBe("aqb\n\tc");
  });
});
