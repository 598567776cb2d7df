import { describe, expect, it } from "vitest";
import { JsonBytes } from "../../src/db/json-param.ts";
import { chunkDocuments } from "../../src/pipeline/persist.ts";
import { testEngines, useTestDatabase } from "../helpers/database.ts";

// A page's documents travel as UTF-8 bytes in jsonb's binary input format (db/json-param.ts):
// what arrives must be exactly the JSON that was sent, on both engines.

const documents = [
  { name: "Attikan Estate — “Monsoon” café", notes: ["jasmine", "🍫 cocoa"], quote: 'a "b" \\ c', nested: { deep: [1, [2, { x: null }]] } },
  { name: "plain", price: 499.5, in_stock: true, empty: "", tabs: "a\tb\nc" },
  { name: "अराकू वैली", variants: [{ id: "1", weight_g: 250 }] },
];

describe.each(testEngines())("a JSON parameter as bytes on %s", (engine) => {
  const database = useTestDatabase(engine, { migrate: false });

  it("arrives as the very documents chunkDocuments encoded", async () => {
    const { db } = database();
    const [chunk] = [...chunkDocuments(documents)];
    const rows = await db.query<{ docs: unknown; n: number }>("SELECT $1::jsonb AS docs, jsonb_array_length($1::jsonb) AS n", [chunk]);
    expect(rows[0]!.n).toBe(3);
    expect(rows[0]!.docs).toEqual(documents);
  });

  it("is refused, as text would be, when it is not JSON", async () => {
    const { db } = database();
    await expect(db.query("SELECT $1::jsonb AS j", [JsonBytes.of(Buffer.from("[{]"))])).rejects.toThrow(/json/i);
  });

  it("leaves every other jsonb parameter as it was", async () => {
    const { db } = database();
    const rows = await db.query<{ a: unknown; b: unknown }>("SELECT $1::jsonb AS a, $2::jsonb AS b", [JSON.stringify({ k: "—" }), JSON.stringify([1, "x"])]);
    expect(rows[0]).toEqual({ a: { k: "—" }, b: [1, "x"] });
  });
});
