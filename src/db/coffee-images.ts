import type { Queryable } from "./database.ts";

// The image stage's reads and writes: which of a roaster's images still need an ImageKit copy,
// what is known about some bytes already (ours: image_uploads; theirs: rpc_check_content_hash),
// and the image's row written through their rpc_upsert_coffee_image.

export interface ImageToUpload {
  coffeeId: string;
  url: string;
}

/**
 * The roaster's images without an ImageKit copy, at most `limit`, first-listed first, leaving
 * out those refused while their URL stays (not an image, too large, gone); and how many there
 * are in all.
 */
export async function imagesToUpload(db: Queryable, roasterId: string, limit: number): Promise<{ images: ImageToUpload[]; total: number }> {
  const rows = await db.query<{ coffee_id: string; url: string; total: string | number }>(
    `SELECT i.coffee_id, i.url, count(*) OVER () AS total
       FROM public.coffee_images i JOIN public.coffees c ON c.id = i.coffee_id
      WHERE c.roaster_id = $1 AND i.imagekit_url IS NULL
        AND NOT EXISTS (SELECT 1 FROM coffee_scraper.image_failures f WHERE f.roaster_id = $1 AND f.url = i.url AND f.refused)
      ORDER BY c.created_at, i.sort_order, i.url
      LIMIT $2`,
    [roasterId, limit],
  );
  return { images: rows.map((r) => ({ coffeeId: r.coffee_id, url: r.url })), total: Number(rows[0]?.total ?? 0) };
}

/** The ImageKit URL of these bytes when they were uploaded before: by us, or on any image row (theirs too). */
export async function knownUpload(db: Queryable, contentHash: string): Promise<string | null> {
  const rows = await db.query<{ imagekit_url: string | null }>(
    `SELECT COALESCE(
       (SELECT imagekit_url FROM coffee_scraper.image_uploads WHERE content_hash = $1),
       (SELECT imagekit_url FROM public.coffee_images WHERE id = public.rpc_check_content_hash(p_content_hash := $1))
     ) AS imagekit_url`,
    [contentHash],
  );
  return rows[0]?.imagekit_url ?? null;
}

/** The ImageKit URL another row of the roaster holds for the same source URL (a 304 needs no bytes then). */
export async function uploadOfUrl(db: Queryable, roasterId: string, url: string): Promise<{ imagekitUrl: string; contentHash: string | null } | null> {
  const rows = await db.query<{ imagekit_url: string; content_hash: string | null }>(
    `SELECT i.imagekit_url, i.content_hash FROM public.coffee_images i JOIN public.coffees c ON c.id = i.coffee_id
      WHERE c.roaster_id = $1 AND i.url = $2 AND i.imagekit_url IS NOT NULL LIMIT 1`,
    [roasterId, url],
  );
  return rows[0] ? { imagekitUrl: rows[0].imagekit_url, contentHash: rows[0].content_hash } : null;
}

export async function recordUpload(
  db: Queryable,
  input: { contentHash: string; imagekitUrl: string; filePath: string; bytes: number; contentType: string },
): Promise<void> {
  await db.query(
    `INSERT INTO coffee_scraper.image_uploads (content_hash, imagekit_url, file_path, bytes, content_type)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (content_hash) DO NOTHING`,
    [input.contentHash, input.imagekitUrl, input.filePath, input.bytes, input.contentType],
  );
}

/** Their rpc_upsert_coffee_image with the copy's URL and the bytes' hash; the image's other columns are kept. */
export async function saveImageCopy(db: Queryable, image: ImageToUpload, copy: { imagekitUrl: string; contentHash: string | null }): Promise<void> {
  await db.query(
    `SELECT public.rpc_upsert_coffee_image(p_coffee_id := $1, p_url := $2, p_content_hash := $3, p_imagekit_url := $4)`,
    [image.coffeeId, image.url, copy.contentHash, copy.imagekitUrl],
  );
  await db.query(`DELETE FROM coffee_scraper.image_failures f USING public.coffees c
                   WHERE c.id = $1 AND f.roaster_id = c.roaster_id AND f.url = $2`, [image.coffeeId, image.url]);
}

export async function recordImageFailure(db: Queryable, input: { roasterId: string; url: string; refused: boolean; error: string }): Promise<void> {
  await db.query(
    `INSERT INTO coffee_scraper.image_failures AS f (roaster_id, url, refused, error)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (roaster_id, url) DO UPDATE SET refused = EXCLUDED.refused, error = EXCLUDED.error,
       attempts = f.attempts + 1, last_attempt_at = now()`,
    [input.roasterId, input.url, input.refused, input.error.slice(0, 500)],
  );
}
