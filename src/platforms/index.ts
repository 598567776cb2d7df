export { adapterFor, parseStoredPage, assertNever } from "./adapter.ts";
export type {
  AdapterContext,
  ParsedPage,
  PlatformAdapter,
  PoliteFetcher,
  ProductError,
  StorePage,
  StoredResponse,
} from "./adapter.ts";
export { detectPlatform, choosePlatform } from "./detect.ts";
export type { RawProduct, RawVariant, RawPrice, StorePlatform } from "./raw-product.ts";
