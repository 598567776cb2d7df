import { createHash } from "node:crypto";
import type { PipelineDeps } from "../pipeline/deps.ts";
import type { Roaster } from "../config/roaster.ts";
import type { ImageSettings } from "../config/setting-sections.ts";
import {
  imagesToUpload,
  knownUpload,
  recordImageFailure,
  recordUpload,
  saveImageCopy,
  uploadOfUrl,
  type ImageToUpload,
} from "../db/coffee-images.ts";
import { ScrapeError } from "../core/errors.ts";
import type { SiteClient } from "../fetch/client.ts";
import type { FetchStats } from "../fetch/stats.ts";
import { saveValidators } from "../db/validators.ts";
import type { Logger } from "../core/logger.ts";
import { mapLimited } from "../core/concurrency.ts";
import { IMAGE_CONTENT_TYPE, imageTypeOf } from "./image-type.ts";
import { ImageKitClient } from "./imagekit.ts";

// The upload stage, after a full run's pages are written: each of the roaster's images that
// has no ImageKit copy yet (new, or listed under a new URL) is downloaded through the polite
// client (robots, pacing per image host, size cap, images only, conditional requests), hashed,
// and uploaded only when those bytes are not known already (ours, or their
// rpc_check_content_hash); then its row gets imagekit_url and content_hash through their
// rpc_upsert_coffee_image. Driven from the database, not from the run's changed products: an
// image whose download or upload failed is simply still without a copy, and is tried again
// next run whether its product changed or not. One that was refused (not an image, too large,
// gone) is not tried again while its URL stays. At most IMAGES_PER_RUN a run.

export interface ImageStats {
  images_uploaded: number;
  images_deduplicated: number;
  images_failed: number;
  /** Left for the next run by IMAGES_PER_RUN. */
  images_skipped: number;
  images_bytes_uploaded: number;
}

export async function runImageStage(input: {
  deps: PipelineDeps;
  roaster: Pick<Roaster, "id" | "slug" | "default_concurrency">;
  stats: FetchStats;
  signal: AbortSignal;
  log: Logger;
  warn: (message: string) => void;
}): Promise<ImageStats | null> {
  const { deps, roaster, log } = input;
  const { db } = deps;
  const settings: ImageSettings = deps.settings;
  if (!settings.IMAGEKIT_PRIVATE_KEY || !settings.IMAGEKIT_URL_ENDPOINT) return null;
  const stats: ImageStats = { images_uploaded: 0, images_deduplicated: 0, images_failed: 0, images_skipped: 0, images_bytes_uploaded: 0 };
  const { images, total } = await imagesToUpload(db, roaster.id, settings.IMAGES_PER_RUN);
  stats.images_skipped = Math.max(0, total - images.length);
  if (images.length === 0) return stats;

  const imagekit = new ImageKitClient(
    {
      privateKey: settings.IMAGEKIT_PRIVATE_KEY,
      uploadUrl: settings.IMAGEKIT_UPLOAD_URL,
      urlEndpoint: settings.IMAGEKIT_URL_ENDPOINT,
      timeoutMs: settings.HTTP_TIMEOUT_MS,
      retryAfterCapMs: settings.HTTP_RETRY_AFTER_CAP_MS,
      retryBaseMs: settings.HTTP_RETRY_BASE_MS,
    },
    { signal: input.signal },
  );
  // Image hosts are often a CDN of their own (cdn.shopify.com): each is a site with its own
  // robots.txt and pacing, at the roaster's concurrency.
  const sites = new Map<string, SiteClient>();
  const siteOf = (url: URL) => {
    let site = sites.get(url.origin);
    if (!site) {
      site = deps.http.forSite({
        roaster: { id: roaster.id, website: url.origin, default_concurrency: roaster.default_concurrency },
        stats: input.stats,
        signal: input.signal,
        log,
      });
      sites.set(url.origin, site);
    }
    return site;
  };
  // One upload per set of bytes in a run, even when two images carrying them are in flight at once.
  const uploads = new Map<string, Promise<string>>();
  const folder = `${settings.IMAGEKIT_FOLDER.replace(/\/+$/, "")}/${roaster.slug}`;

  const copy = async (image: ImageToUpload): Promise<void> => {
    const url = URL.canParse(image.url) ? new URL(image.url) : null;
    if (!url) throw new ScrapeError("invalid_url", `${JSON.stringify(image.url.slice(0, 200))} is not an absolute URL`);
    const site = siteOf(url);
    const expect = { contentType: IMAGE_CONTENT_TYPE, maxBytes: settings.IMAGE_MAX_BYTES };
    let answer = await site.get(url.href, { conditional: true, accept: "image/avif,image/webp,image/png,image/jpeg,image/gif", expect });
    if (answer.notModified) {
      // These bytes were copied for another row of the same URL: no need to read them again.
      const known = await uploadOfUrl(db, roaster.id, url.href);
      if (known) {
        stats.images_deduplicated += 1;
        await saveImageCopy(db, image, known);
        return;
      }
      answer = await site.get(url.href, { accept: "image/*", expect });
    }
    if (answer.status >= 400) throw new ScrapeError(`image_http_${answer.status}`, `${url.href} answered ${answer.status}`);
    const type = imageTypeOf(answer.body);
    if (!type) throw new ScrapeError("not_an_image", `${url.href} is not a JPEG, PNG, GIF, WebP or AVIF image (${answer.body.length} bytes)`);
    const contentHash = createHash("sha256").update(answer.body).digest("hex");
    let imagekitUrl = await knownUpload(db, contentHash);
    if (imagekitUrl) {
      stats.images_deduplicated += 1;
    } else {
      let upload = uploads.get(contentHash);
      if (upload) {
        stats.images_deduplicated += 1;
      } else {
        upload = (async () => {
          const uploaded = await imagekit.upload({ bytes: answer.body, fileName: `${contentHash}.${type.extension}`, folder, contentType: type.contentType });
          await recordUpload(db, { contentHash, imagekitUrl: uploaded.url, filePath: uploaded.filePath, bytes: answer.body.length, contentType: type.contentType });
          stats.images_uploaded += 1;
          stats.images_bytes_uploaded += answer.body.length;
          return uploaded.url;
        })();
        uploads.set(contentHash, upload);
      }
      imagekitUrl = await upload;
    }
    await saveImageCopy(db, image, { imagekitUrl, contentHash });
    await saveValidators(db, roaster.id, { url: url.href, validators: answer.validators });
  };

  // A refused key fails every upload alike: the first refusal stops the stage for this run.
  let halted: string | null = null;
  try {
    await mapLimited(images, settings.IMAGE_UPLOAD_CONCURRENCY, async (image) => {
      input.signal.throwIfAborted();
      if (halted) return;
      try {
        await copy(image);
      } catch (err) {
        if (input.signal.aborted) throw err;
        stats.images_failed += 1;
        const error = err instanceof ScrapeError ? err : null;
        const refused = error !== null && error.retry === "permanent" && !error.code.startsWith("imagekit_");
        const message = (err as Error).message;
        await recordImageFailure(db, { roasterId: roaster.id, url: image.url, refused, error: message });
        log.debug({ url: image.url, err: message, refused }, "image not copied to ImageKit");
        if (error?.code === "imagekit_unauthorized") halted = message;
      }
    });
  } finally {
    await imagekit.close().catch(() => {});
  }
  if (halted) input.warn(`images not copied to ImageKit: ${halted}`);
  if (stats.images_failed > 0) input.warn(`${stats.images_failed} image(s) could not be copied to ImageKit; they keep their store URL and are tried again next run unless refused`);
  return stats;
}
