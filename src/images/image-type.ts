// What an image's bytes say they are. A store's CDN can answer an image URL with an error
// page under an image content type: the bytes decide, and only the formats a browser shows
// everywhere are uploaded (SVG is not: it is a document that can carry scripts).

export const IMAGE_CONTENT_TYPE = /^\s*image\/(jpeg|jpg|pjpeg|png|gif|webp|avif)\s*(;|$)/i;

export interface ImageType {
  contentType: string;
  extension: string;
}

const starts = (bytes: Buffer, signature: number[], at = 0) => signature.every((b, i) => bytes[at + i] === b);
const ascii = (bytes: Buffer, at: number, text: string) => bytes.subarray(at, at + text.length).toString("latin1") === text;

/** The image format of `bytes` by their signature, or null when they are not one we upload. */
export function imageTypeOf(bytes: Buffer): ImageType | null {
  if (starts(bytes, [0xff, 0xd8, 0xff])) return { contentType: "image/jpeg", extension: "jpg" };
  if (starts(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { contentType: "image/png", extension: "png" };
  if (ascii(bytes, 0, "GIF87a") || ascii(bytes, 0, "GIF89a")) return { contentType: "image/gif", extension: "gif" };
  if (ascii(bytes, 0, "RIFF") && ascii(bytes, 8, "WEBP")) return { contentType: "image/webp", extension: "webp" };
  if (ascii(bytes, 4, "ftyp") && (ascii(bytes, 8, "avif") || ascii(bytes, 8, "avis"))) return { contentType: "image/avif", extension: "avif" };
  return null;
}
