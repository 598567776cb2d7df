import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Deps } from "../../src/app/deps.ts";
import { createDeps } from "../../src/app/runtime.ts";
import type { ImageStats } from "../../src/images/run-images.ts";
import type { RunStats } from "../../src/pipeline/run-stats.ts";
import { scrapeOnce } from "../../src/worker/scrape-once.ts";
import { testEngines, useTestDatabase } from "../helpers/database.ts";
import { addRoaster } from "../helpers/fetch.ts";
import { startTestServer, type TestServer } from "../helpers/http.ts";
import { startImageKit, type ImageKitStandIn } from "../helpers/imagekit-server.ts";
import { captureLogger } from "../helpers/logs.ts";
import { unpacedSettings } from "../helpers/settings.ts";
import { shopifyProduct, startTinyShopify, type TinyShopify } from "../helpers/tiny-shopify.ts";
import { formatStatus } from "../../src/worker/status.ts";
import { statusAndPages } from "../helpers/status-pages.ts";

// Product images to ImageKit end to end: a local Shopify store whose images live on a local
// image host (another origin, as a CDN is), and a local stand-in of ImageKit's upload API.

const KEY = "private_test_0123456789abcdef";

type Stats = RunStats & ImageStats;

const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(3000)]);
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(2000)]);
const TEN_MB = 10 * 1024 * 1024;
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

interface ImageRequest {
  path: string;
  ifNoneMatch: string | undefined;
  status: number;
}

describe.each(testEngines())("images to ImageKit on %s", (engine) => {
  const database = useTestDatabase(engine);
  let shop: TinyShopify;
  let cdn: TestServer;
  let imagekit: ImageKitStandIn;
  let deps: Deps;
  let logs: ReturnType<typeof captureLogger>;
  const imageRequests: ImageRequest[] = [];
  let htmlBytesSent = 0;

  const scrape = async (options: { deps?: Deps } = {}) => {
    const summary = await scrapeOnce({ deps: options.deps ?? deps, roaster: "pictures", type: "full_refresh" });
    return { status: summary.status, stats: summary.stats as unknown as Stats };
  };
  const images = () =>
    database().db.query<{ url: string; imagekit_url: string | null; content_hash: string | null }>(
      `SELECT i.url, i.imagekit_url, i.content_hash FROM coffee_images i JOIN coffees c ON c.id = i.coffee_id
         JOIN roasters r ON r.id = c.roaster_id WHERE r.slug = 'pictures' ORDER BY c.platform_product_id, i.sort_order`,
    );

  beforeAll(async () => {
    cdn = await startTestServer((req, res, url) => {
      const request: ImageRequest = { path: url.pathname, ifNoneMatch: req.headers["if-none-match"], status: 200 };
      imageRequests.push(request);
      const image = (bytes: Buffer, type: string) => {
        const etag = `"${sha(bytes).slice(0, 16)}"`;
        if (req.headers["if-none-match"] === etag) {
          request.status = 304;
          res.writeHead(304, { etag }).end();
          return;
        }
        res.writeHead(200, { "content-type": type, "content-length": String(bytes.length), etag });
        res.end(bytes);
      };
      switch (url.pathname) {
        case "/img/a.jpg":
        case "/img/b.jpg": // the same bytes under another URL
          return image(JPEG, "image/jpeg");
        case "/img/c.png":
        case "/img/d.png":
        case "/img/e.png":
        case "/img/new-1.png":
        case "/img/new-2.png":
          return image(Buffer.concat([PNG, Buffer.from(url.pathname)]), "image/png");
        case "/img/page.jpg": {
          // 10 MB of HTML where an image should be (a bot wall, a theme's error page).
          res.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-length": String(TEN_MB) });
          const chunk = Buffer.alloc(64 * 1024, "<p>not an image</p>");
          const write = () => {
            while (htmlBytesSent < TEN_MB && !res.destroyed) {
              htmlBytesSent += chunk.length;
              if (!res.write(chunk)) return void res.once("drain", write);
            }
            res.end();
          };
          return write();
        }
        case "/img/fake.jpg": // says it is a JPEG; the bytes are HTML
          return image(Buffer.from("<!doctype html><html><body>Access denied</body></html>"), "image/jpeg");
        default:
          request.status = 404;
          res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      }
    });
    const img = (p: string) => `${cdn.url}/img/${p}`;
    shop = await startTinyShopify([
      shopifyProduct({ id: 1, title: "Ethiopia Guji", images: [img("a.jpg"), img("fake.jpg")] }),
      shopifyProduct({ id: 2, title: "House Blend", images: [img("b.jpg"), img("c.png")] }),
      shopifyProduct({ id: 3, title: "Monsoon Malabar", images: [img("page.jpg"), img("gone.jpg")] }),
    ]);
    imagekit = await startImageKit(KEY);
    logs = captureLogger("debug");
    const settings = unpacedSettings("cs-img-", {
      HTTP_RETRIES: 0,
      HTTP_RETRY_BASE_MS: 10,
      IMAGEKIT_PRIVATE_KEY: KEY,
      IMAGEKIT_URL_ENDPOINT: imagekit.endpoint,
      IMAGEKIT_UPLOAD_URL: imagekit.uploadUrl,
    });
    deps = createDeps(settings, database().db, logs.log);
    await addRoaster(database().db, shop.url, { slug: "pictures", platform: "shopify" });
  });
  afterAll(async () => {
    await deps?.http.close();
    await shop?.close();
    await cdn?.close();
    await imagekit?.close();
  });

  it("uploads each set of bytes once, refuses what is not an image, and leaves a failed upload's image as it was", async () => {
    imagekit.fail(/\.png$/, 3);
    const run = await scrape();
    expect(run.status).toBe("ok");

    // a.jpg and b.jpg carry the same bytes: one upload. c.png failed three times (500).
    const jpegName = `${sha(JPEG)}.jpg`;
    expect(imagekit.calls.every((c) => c.authorized)).toBe(true);
    expect(imagekit.calls.filter((c) => c.fileName === jpegName)).toMatchObject([
      { status: 200, folder: "/coffee-scraper/pictures", useUniqueFileName: "false", bytes: JPEG.length },
    ]);
    expect(imagekit.calls.filter((c) => c.fileName?.endsWith(".png")).map((c) => c.status)).toEqual([500, 500, 500]);
    expect(imagekit.files.get(`/coffee-scraper/pictures/${jpegName}`)?.equals(JPEG)).toBe(true);

    const copy = `${imagekit.endpoint}/coffee-scraper/pictures/${jpegName}`;
    expect(await images()).toEqual([
      { url: `${cdn.url}/img/a.jpg`, imagekit_url: copy, content_hash: sha(JPEG) },
      { url: `${cdn.url}/img/fake.jpg`, imagekit_url: null, content_hash: null },
      { url: `${cdn.url}/img/b.jpg`, imagekit_url: copy, content_hash: sha(JPEG) },
      { url: `${cdn.url}/img/c.png`, imagekit_url: null, content_hash: null },
      { url: `${cdn.url}/img/page.jpg`, imagekit_url: null, content_hash: null },
      { url: `${cdn.url}/img/gone.jpg`, imagekit_url: null, content_hash: null },
    ]);
    expect(run.stats).toMatchObject({ images_uploaded: 1, images_deduplicated: 1, images_failed: 4, images_skipped: 0 });

    // The 10 MB HTML page was refused on its headers: its body was not read.
    const failures = await database().db.query<{ url: string; refused: boolean; error: string }>(
      `SELECT url, refused, error FROM coffee_scraper.image_failures ORDER BY url`,
    );
    const byName = Object.fromEntries(failures.map((f) => [f.url.split("/").pop()!, f]));
    expect(byName["page.jpg"]).toMatchObject({ refused: true });
    expect(byName["page.jpg"]!.error).toContain("text/html");
    expect(htmlBytesSent).toBeLessThan(TEN_MB);
    expect(byName["fake.jpg"]).toMatchObject({ refused: true });
    expect(byName["fake.jpg"]!.error).toContain("is not a JPEG");
    expect(byName["gone.jpg"]).toMatchObject({ refused: true });
    expect(byName["c.png"]).toMatchObject({ refused: false });
  });

  it("the next run, with the store unchanged, retries the failed upload and downloads nothing else", async () => {
    const before = imageRequests.length;
    const run = await scrape();
    expect(run.stats.products_unchanged).toBe(3);
    expect(imageRequests.slice(before).map((r) => r.path)).toEqual(["/img/c.png"]);
    expect(run.stats).toMatchObject({ images_uploaded: 1, images_deduplicated: 0, images_failed: 0 });
    const c = (await images()).find((i) => i.url.endsWith("c.png"))!;
    expect(c.imagekit_url).toMatch(/^https:\/\/ik\.imagekit\.io\/test-id\/coffee-scraper\/pictures\/[0-9a-f]{64}\.png$/);
    expect(await database().db.query(`SELECT url FROM coffee_scraper.image_failures WHERE NOT refused`)).toEqual([]);
  });

  it("an image URL already copied is asked for conditionally and not read again; IMAGES_PER_RUN leaves the rest for the next run", async () => {
    const before = imageRequests.length;
    const uploads = imagekit.calls.length;
    shop.products = [
      ...shop.products,
      shopifyProduct({ id: 4, title: "Kaapi Royale", images: [`${cdn.url}/img/a.jpg`, `${cdn.url}/img/d.png`, `${cdn.url}/img/e.png`] }),
    ];
    const capped = { ...deps, settings: { ...deps.settings, IMAGES_PER_RUN: 2 } };
    const run = await scrape({ deps: capped });
    expect(run.stats).toMatchObject({ images_uploaded: 1, images_deduplicated: 1, images_skipped: 1 });
    const a = imageRequests.slice(before).filter((r) => r.path === "/img/a.jpg");
    expect(a).toEqual([{ path: "/img/a.jpg", ifNoneMatch: `"${sha(JPEG).slice(0, 16)}"`, status: 304 }]);
    expect(imagekit.calls.length - uploads).toBe(1);

    const next = await scrape();
    expect(next.stats).toMatchObject({ images_uploaded: 1, images_skipped: 0 });
    expect((await images()).filter((i) => i.imagekit_url === null).map((i) => i.url.split("/").pop())).toEqual(["fake.jpg", "page.jpg", "gone.jpg"]);
  });

  it("status and the dashboard show how many images are on ImageKit, failing and refused", async () => {
    const { status, pages } = await statusAndPages(deps, logs.log, ["/roasters/pictures", "/"]);
    const pictures = status.roasters.find((r) => r.roaster === "pictures")!;
    expect(pictures.stages.images).toEqual({ images: 9, on_imagekit: 6, failing: 0, refused: 3 });
    expect(status.stages.imagesOnImagekit).toBe(6);
    expect(formatStatus(status)).toContain("images: 6 of 9 on ImageKit, 3 refused");
    expect(pages[0]).toMatch(/data-images-on-imagekit="6">6 of 9 on ImageKit/);
    expect(pages[1]).toMatch(/data-images-on-imagekit="6">6</);
    expect(pages[1]).toMatch(/data-images-failing="0">0<\/div><div class="l">images failing \(tried again next run\), 3 refused/);
  });

  it("a refused key stops the stage for the run, says so, and leaves the images to be tried again", async () => {
    const wrongKey = "private_wrong_0123456789abcdef";
    const other = await startTinyShopify([
      shopifyProduct({ id: 9, title: "Kaapi Nine", images: [`${cdn.url}/img/new-1.png`, `${cdn.url}/img/new-2.png`] }),
    ]);
    try {
      await addRoaster(database().db, other.url, { slug: "keyless", platform: "shopify" });
      const calls = imagekit.calls.length;
      const refusing = { ...deps, settings: { ...deps.settings, IMAGEKIT_PRIVATE_KEY: wrongKey, IMAGE_UPLOAD_CONCURRENCY: 1 } };
      const summary = await scrapeOnce({ deps: refusing, roaster: "keyless", type: "full_refresh" });
      const stats = summary.stats as unknown as Stats;
      expect(summary.status).toBe("ok");
      // The first upload is refused (401); the second image is not tried.
      expect(imagekit.calls.slice(calls).map((c) => [c.status, c.authorized])).toEqual([[401, false]]);
      expect(stats.images_failed).toBe(1);
      expect(stats.warnings.some((w) => w.includes("IMAGEKIT_PRIVATE_KEY was refused"))).toBe(true);
      expect(await database().db.query(`SELECT refused FROM coffee_scraper.image_failures WHERE url LIKE '%/new-1.png'`)).toEqual([{ refused: false }]);
      expect(JSON.stringify(logs.lines).includes(wrongKey)).toBe(false);

      // With the right key, the next run copies both.
      const next = await scrapeOnce({ deps, roaster: "keyless", type: "full_refresh" });
      expect((next.stats as unknown as Stats).images_uploaded).toBe(2);
    } finally {
      await other.close();
    }
  });

  it("the private key (and its Basic-auth form) appears in no log line and no run's stats", async () => {
    const basic = Buffer.from(`${KEY}:`).toString("base64");
    expect(logs.lines.length).toBeGreaterThan(0);
    const logged = JSON.stringify(logs.lines);
    expect(logged.includes(KEY) || logged.includes(basic)).toBe(false);
    const [runs] = await database().db.query<{ text: string }>(`SELECT string_agg(stats_json::text, '') AS text FROM scrape_runs`);
    expect(runs!.text.includes(KEY) || runs!.text.includes(basic)).toBe(false);
  });
});
