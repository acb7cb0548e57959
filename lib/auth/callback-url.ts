// Any origin works as the base when the app's own is not known: only whether the URL stays on it matters.
const BASE = "http://callback.invalid";

function originOf(value: string): string | null {
  try {
    return new URL(value).origin;
  } catch {
    return null;
  }
}

/**
 * The path to go to after sign-in or sign-up: `value` when it is a same-origin path (or an absolute
 * URL on `appOrigin`), otherwise `fallback`. It is resolved against the app's origin with the WHATWG
 * URL parser, the way a browser resolves it, and only the normalised path is returned, never the raw
 * string. Tricks that browsers turn into another origin (`//evil`, `/\evil`, `/<tab>/evil`,
 * `https:evil`) fall back, and so does a path that only becomes one after normalising: dot segments
 * (`/.//evil`, `/%2e%2e//evil`, `/a/..//evil`) leave `//evil`, which a browser would follow to
 * another host, so the normalised path itself must resolve to the same origin again.
 */
export function safeCallbackUrl(value: string | null | undefined, fallback = "/billing", appOrigin?: string): string {
  if (!value) return fallback;
  const origin = (appOrigin && originOf(appOrigin)) || BASE;
  let url: URL;
  try {
    url = new URL(value, origin);
  } catch {
    return fallback;
  }
  // Relative paths ("billing", "../x") depend on the current page: accept only absolute paths.
  const absolutePath = value.startsWith("/") || (appOrigin !== undefined && value.startsWith(origin));
  if (url.origin !== origin || !absolutePath) return fallback;
  const path = `${url.pathname}${url.search}${url.hash}`;
  let again: URL;
  try {
    again = new URL(path, origin);
  } catch {
    return fallback;
  }
  return again.origin === origin && `${again.pathname}${again.search}${again.hash}` === path ? path : fallback;
}
