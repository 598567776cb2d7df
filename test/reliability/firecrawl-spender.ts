// A child process for firecrawl-budget.test.ts: spends one roaster's Firecrawl budget through
// the real budgeted client (the database ledger behind it) as fast as it can, with no lease,
// and prints how many scrapes it was granted. Two of these at once race the same budget.
import { openDatabase } from "../../src/db/open-database.ts";
import { findRoaster } from "../../src/db/roasters.ts";
import { budgetedFirecrawl } from "../../src/pipeline/store-access.ts";
import { testSettings } from "../helpers/settings.ts";

const [databaseUrl, slug, baseUrl, apiKey, target] = process.argv.slice(2) as [string, string, string, string, string];
const db = await openDatabase({ databaseUrl, dataDir: "/tmp" });
const roaster = (await findRoaster(db, slug))!;
const settings = testSettings({ FIRECRAWL_API_KEY: apiKey, FIRECRAWL_BASE_URL: baseUrl, HTTP_RETRY_BASE_MS: 10 });
const client = budgetedFirecrawl({ db, settings, roaster, now: () => new Date() })!;
let granted = 0;
for (let i = 0; i < 1000; i++) {
  try {
    await client.scrape(`${target}/p/${process.pid}-${i}`, {}, "");
    granted++;
  } catch (err) {
    if ((err as { code?: string }).code === "firecrawl_budget_exhausted") break;
    throw err;
  }
}
await client.close();
await db.close();
process.stdout.write(`${JSON.stringify({ granted })}\n`);
