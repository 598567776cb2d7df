import path from "node:path";
import type { ArtifactSettings } from "../../config/setting-sections.ts";
import { directoryArtifactStore } from "./directory-store.ts";
import { s3ArtifactStore } from "./s3-store.ts";
import type { ArtifactStore } from "./store.ts";

/** The configured artifact store: the S3-compatible bucket when ARTIFACTS_S3_BUCKET is set, else `DATA_DIR/artifacts`. */
export function openArtifactStore(settings: ArtifactSettings): ArtifactStore {
  if (!settings.ARTIFACTS_S3_BUCKET) return directoryArtifactStore(path.join(settings.DATA_DIR, "artifacts"));
  // loadSettings refuses a bucket without both keys.
  return s3ArtifactStore({
    bucket: settings.ARTIFACTS_S3_BUCKET,
    endpoint: settings.ARTIFACTS_S3_ENDPOINT,
    region: settings.ARTIFACTS_S3_REGION,
    accessKeyId: settings.ARTIFACTS_S3_ACCESS_KEY_ID!,
    secretAccessKey: settings.ARTIFACTS_S3_SECRET_ACCESS_KEY!,
    prefix: settings.ARTIFACTS_S3_PREFIX,
    forcePathStyle: settings.ARTIFACTS_S3_FORCE_PATH_STYLE,
  });
}
