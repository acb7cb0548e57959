// Any origin works as the base: only whether the parsed URL stays on it matters.
const BASE = "http://callback.invalid";

/**
 * The path to go to after sign-in or sign-up: `value` when it is a same-origin path (or an absolute
 * URL on `appOrigin`), otherwise `fallback`. It is parsed the way a browser parses it, so tricks that
 * browsers turn into another origin (`//evil`, `/\evil`, `/<tab>/evil`, `https:evil`) fall back, and
 * the normalised path is returned rather than the raw string.
 */
export function safeCallbackUrl(value: string | null | undefined, fallback = "/billing", appOrigin?: string): string {
  if (!value) return fallback;
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return fallback;
  }
  const sameOrigin = url.origin === BASE || (appOrigin !== undefined && url.origin === appOrigin);
  // Relative paths ("billing", "../x") depend on the current page: accept only absolute paths.
  const absolutePath = value.startsWith("/") || (appOrigin !== undefined && value.startsWith(appOrigin));
  if (!sameOrigin || !absolutePath) return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}
