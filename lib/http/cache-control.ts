/** API answers are per-user: no browser or shared cache may store them. */
import "server-only";
export const API_CACHE_CONTROL = "no-store";

/**
 * The same for an answer too small to be worth compressing: `no-transform` is what the compression
 * middleware of `next start` honours (see finishApiResponse in ./route.ts).
 */
export const SMALL_API_CACHE_CONTROL = "no-store, no-transform";

/**
 * An answer with an ETag that its caller may keep for itself (never a shared cache) but must
 * revalidate before every use: `If-None-Match` then gets a bodiless 304 while nothing changed.
 */
export const revalidatingCacheControl = (small: boolean) => (small ? "private, no-cache, no-transform" : "private, no-cache");
